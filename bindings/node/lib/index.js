'use strict';
// tokenwarden for Node.js: Verifier (the native validator), a jose-shaped jwtVerify and DPoP
// proof verification (lib/dpop.js).
const native = require('./native');
const { keysText } = require('./keys');
const { TokenError, ERROR_CODES, tokenError } = require('./errors');
const jose = require('./jose');
const dpop = require('./dpop');

// nowOf reads the `now` call option: Unix seconds, a Date, or undefined (the clock).
function nowOf(options) {
  const now = options.now;
  if (now instanceof Date) return now.getTime() / 1000; // fraction kept: the core compares doubles
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

// deepFreeze makes a parsed payload immutable, so one object may serve every caller.
function deepFreeze(value) {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
}

// SHARED_PAYLOADS bounds the per-Verifier map of shared payload objects (sharedPayloads).
const SHARED_PAYLOADS = 4096;

class Verifier {
  #h;
  // With sharedPayloads: token -> {json, payload} of tokens verified before. The core still
  // judges every call (time claims, revocation, key rotation); only JSON.parse is skipped
  // when the verified payload text is the one parsed before.
  #shared = null;

  // options: {jwks, issuer, audience, algorithms, leeway, typ, requiredClaims, scopes, cache,
  // maxTokenBytes, requireExp, checkExp, checkNbf, checkIat}; see README.md.
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('tokenwarden: Verifier options must be an object');
    }
    if (options.jwks === undefined || options.jwks === null) {
      throw new TypeError('tokenwarden: option "jwks" is required');
    }
    const { sharedPayloads, ...core } = options;
    this.#h = new native.Verifier({ ...core, jwks: keysText(options.jwks) });
    if (sharedPayloads) this.#shared = new Map();
  }

  #sharedPayload(token, r) {
    if (typeof r !== 'string') throw tokenError(r);
    const hit = this.#shared.get(token);
    if (hit !== undefined && hit.json === r) return hit.payload;
    if (this.#shared.size >= SHARED_PAYLOADS) this.#shared.clear();
    const payload = deepFreeze(JSON.parse(r));
    this.#shared.set(token, { json: r, payload });
    return payload;
  }

  // verify returns the payload, or {header, payload} with {complete: true}; throws TokenError.
  verify(token, options) {
    if (options == null) {
      const r = this.#h.verify(token);
      return this.#shared === null ? payloadOf(r) : this.#sharedPayload(token, r);
    }
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
  createRemoteJWKSet: jose.createRemoteJWKSet,
  errors: jose.errors,
  verifyDpopProof: dpop.verifyDpopProof,
  DpopReplayCache: dpop.DpopReplayCache,
  DpopReplayCacheFullError: dpop.DpopReplayCacheFullError,
  jwkThumbprint: dpop.jwkThumbprint,
  accessTokenHash: dpop.accessTokenHash,
};
