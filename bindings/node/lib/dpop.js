'use strict';
// DPoP (RFC 9449): verifyDpopProof(Async), DpopReplayCache, jwkThumbprint, accessTokenHash. Every
// check is the core's (core/dpop.h); this file checks the options object and turns failures
// into TokenErrors with the core's codes.
const native = require('./native');
const { tokenError } = require('./errors');

const OPTIONS = new Set([
  'method', 'url', 'accessToken', 'nonce', 'now', 'algorithms', 'maxAge', 'maxFuture', 'leeway',
  'replayCache',
]);

// DpopReplayCache remembers accepted proofs until they are too old to pass anyway, so that
// each proof is accepted once. Local to this process (and to this thread's addon instance).
class DpopReplayCache {
  #native;

  constructor(capacity) {
    if (!Number.isInteger(capacity)) {
      throw new TypeError('tokenwarden: a DpopReplayCache needs an integer capacity');
    }
    this.#native = new native.DpopReplayCache(capacity);
  }

  // size is the number of proofs remembered (some may be past their window).
  get size() {
    return this.#native.size;
  }

  static nativeOf(cache) {
    return cache.#native;
  }
}

// DpopReplayCacheFullError: the cache holds `capacity` proofs still inside their window, so
// this proof could not be remembered and was refused. The service's capacity, not the
// client's fault: answer 503, not 401.
class DpopReplayCacheFullError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DpopReplayCacheFullError';
    this.code = 'ERR_DPOP_REPLAY_CACHE_FULL';
  }
}

function optionalString(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TypeError(`tokenwarden: ${name} must be a string`);
  return value;
}

function seconds(value, name, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new TypeError(`tokenwarden: ${name} must be a number of seconds`);
  return value;
}

// nativeArgs checks verifyDpopProof's arguments and lists them as the addon takes them.
function nativeArgs(proof, options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('tokenwarden: verifyDpopProof needs {method, url, ...}');
  }
  for (const name of Object.keys(options)) {
    if (!OPTIONS.has(name)) throw new TypeError(`tokenwarden: unknown option "${name}"`);
  }
  if (typeof proof !== 'string') throw new TypeError('tokenwarden: the DPoP proof must be a string');
  const accessToken = optionalString(options.accessToken, 'accessToken');
  if (accessToken === '') {
    throw new TypeError('tokenwarden: accessToken is empty: pass the token, or omit it for a proof sent without one');
  }
  let { algorithms, now, replayCache } = options;
  if (typeof algorithms === 'string') algorithms = [algorithms];
  if (now instanceof Date) now = now.getTime() / 1000;
  if (replayCache !== undefined && replayCache !== null && !(replayCache instanceof DpopReplayCache)) {
    throw new TypeError('tokenwarden: replayCache must be a DpopReplayCache');
  }
  return [
    proof, options.method, options.url, accessToken, optionalString(options.nonce, 'nonce'),
    now ?? undefined, algorithms ?? undefined, seconds(options.maxAge, 'maxAge', 60),
    seconds(options.maxFuture, 'maxFuture', 60), seconds(options.leeway, 'leeway', 0),
    replayCache ? DpopReplayCache.nativeOf(replayCache) : undefined,
  ];
}

// proofOf is the addon's result as verifyDpopProof returns it, or the error it throws.
function proofOf(r) {
  if (r.code === undefined) return r;
  if (r.cacheFull) throw new DpopReplayCacheFullError(`tokenwarden: ${r.detail}`);
  throw tokenError(r);
}

// verifyDpopProof checks the proof of one request; returns {jkt, jti, iat, alg, nonce?} or throws a
// TokenError (invalid_dpop_proof, use_dpop_nonce, dpop_proof_replayed). See index.d.ts.
function verifyDpopProof(proof, options) {
  return proofOf(native.verifyDpopProof(...nativeArgs(proof, options)));
}

// verifyDpopProofAsync checks it on the libuv thread pool; same results and errors.
function verifyDpopProofAsync(proof, options) {
  try {
    return native.verifyDpopProofAsync(...nativeArgs(proof, options)).then(proofOf);
  } catch (e) {
    return Promise.reject(e);
  }
}

// jwkThumbprint is the RFC 7638 SHA-256 thumbprint (base64url) of a public JWK (object or
// JSON text): what a DPoP-bound token's cnf.jkt holds.
function jwkThumbprint(jwk) {
  if (jwk !== null && typeof jwk === 'object' && !Array.isArray(jwk)) jwk = JSON.stringify(jwk);
  if (typeof jwk !== 'string') throw new TypeError('tokenwarden: jwkThumbprint needs a JWK object or JSON text');
  return native.jwkThumbprint(jwk);
}

// accessTokenHash is a proof's ath for `token`: base64url(SHA-256(token)).
function accessTokenHash(token) {
  if (typeof token !== 'string') throw new TypeError('tokenwarden: the access token must be a string');
  return native.accessTokenHash(token);
}

module.exports = { verifyDpopProof, verifyDpopProofAsync, DpopReplayCache, DpopReplayCacheFullError, jwkThumbprint, accessTokenHash };
