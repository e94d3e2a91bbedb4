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

// thumbprintOf reads the dpopJkt / certificateThumbprint call option: undefined, or a
// non-empty string (an empty one would silently mean "nothing presented").
function thumbprintOf(options, name) {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`tokenwarden: ${name} must be a non-empty string`);
  }
  return value;
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
  // maxTokenBytes, requireExp, checkExp, checkNbf, checkIat, checkBinding, dpopRequired}; see
  // README.md.
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
  // dpopJkt / certificateThumbprint: what the request presented for a bound token (cnf).
  verify(token, options) {
    if (options == null) {
      const r = this.#h.verify(token);
      return this.#shared === null ? payloadOf(r) : this.#sharedPayload(token, r);
    }
    const now = nowOf(options);
    const jkt = thumbprintOf(options, 'dpopJkt');
    const cert = thumbprintOf(options, 'certificateThumbprint');
    if (options.complete) return completeOf(this.#h.verifyFull(token, now, jkt, cert));
    return payloadOf(this.#h.verify(token, now, jkt, cert));
  }

  // verifyAsync validates on the libuv thread pool; same results and errors as verify.
  verifyAsync(token, options) {
    try {
      const o = options ?? {};
      const complete = Boolean(o.complete);
      const presented = [thumbprintOf(o, 'dpopJkt'), thumbprintOf(o, 'certificateThumbprint')];
      return this.#h.verifyAsync(token, nowOf(o), complete, ...presented).then(complete ? completeOf : payloadOf);
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
  verifyDpopProofAsync: dpop.verifyDpopProofAsync,
  DpopReplayCache: dpop.DpopReplayCache,
  DpopReplayCacheFullError: dpop.DpopReplayCacheFullError,
  jwkThumbprint: dpop.jwkThumbprint,
  accessTokenHash: dpop.accessTokenHash,
};
