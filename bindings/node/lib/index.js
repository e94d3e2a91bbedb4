'use strict';
// tokenwarden for Node.js: Verifier (the native validator) and a jose-shaped jwtVerify.
const native = require('./native');
const { keysText } = require('./keys');
const { TokenError, ERROR_CODES, tokenError } = require('./errors');
const jose = require('./jose');

// nowOf reads the `now` call option: Unix seconds, a Date, or undefined (the clock).
function nowOf(options) {
  const now = options.now;
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  return now;
}

function payloadOf(r) {
  if (typeof r === 'string') return JSON.parse(r);
  throw tokenError(r);
}

function completeOf(r) {
  if (Array.isArray(r)) return { header: JSON.parse(r[0]), payload: JSON.parse(r[1]) };
  throw tokenError(r);
}

class Verifier {
  #h;

  // options: {jwks, issuer, audience, algorithms, leeway, typ, requiredClaims, scopes, cache,
  // maxTokenBytes, requireExp, checkExp, checkNbf, checkIat}; see README.md.
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('tokenwarden: Verifier options must be an object');
    }
    if (options.jwks === undefined || options.jwks === null) {
      throw new TypeError('tokenwarden: option "jwks" is required');
    }
    this.#h = new native.Verifier({ ...options, jwks: keysText(options.jwks) });
  }

  // verify returns the payload, or {header, payload} with {complete: true}; throws TokenError.
  verify(token, options) {
    if (options == null) return payloadOf(this.#h.verify(token));
    const now = nowOf(options);
    if (options.complete) return completeOf(this.#h.verifyFull(token, now));
    return payloadOf(this.#h.verify(token, now));
  }

  // verifyAsync validates on the libuv thread pool; same results and errors as verify.
  verifyAsync(token, options) {
    try {
      const now = options == null ? undefined : nowOf(options);
      const complete = options != null && Boolean(options.complete);
      return this.#h.verifyAsync(token, now, complete).then(complete ? completeOf : payloadOf);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // updateKeys replaces the keys (same forms as the jwks option); verdicts cached under the
  // old keys stop serving.
  updateKeys(jwks) {
    this.#h.updateKeys(keysText(jwks));
  }

  // revoke denylists `token` until its exp; false when its signature does not verify.
  revoke(token, options) {
    return this.#h.revoke(token, options == null ? undefined : nowOf(options));
  }
}

module.exports = {
  Verifier,
  TokenError,
  ERROR_CODES,
  jwtVerify: jose.jwtVerify,
  createLocalJWKSet: jose.createLocalJWKSet,
  errors: jose.errors,
};
