'use strict';
// tokenwarden/jose: jwtVerify and createLocalJWKSet with the call shape, results and error
// classes of the `jose` package, validated by the tokenwarden core. See README.md
// ("Differences from jose") for what is not covered.
const { KeyObject, createPublicKey, createSecretKey } = require('node:crypto');
const native = require('./native');
const { keysText, isCryptoKey } = require('./keys');

const {
  errors,
  JWTClaimValidationFailed,
  JWTExpired,
  JOSENotSupported,
  JWSInvalid,
  JWTInvalid,
  JWKInvalid,
  JWKSInvalid,
  JWKSNoMatchingKey,
  JWSSignatureVerificationFailed,
} = require('./jose_errors');
const { ALGORITHMS, headerStageError, joseHeader, keySetCandidates, keyStageError } = require('./jose_order');

function parsePayload(f) {
  if (f.payload === undefined) return undefined;
  try {
    return JSON.parse(f.payload);
  } catch {
    return undefined;
  }
}

const has = (payload, claim) => payload !== null && typeof payload === 'object' && Object.hasOwn(payload, claim);

function claimFailed(payload, claim) {
  return has(payload, claim)
    ? new JWTClaimValidationFailed(`unexpected "${claim}" claim value`, payload, claim, 'check_failed')
    : new JWTClaimValidationFailed(`missing required "${claim}" claim`, payload, claim, 'missing');
}

const NOT_A_NUMBER = /^claim "(exp|nbf|iat)" is not a number$/;
const PAYLOAD_NOT_JSON = 'the payload is not valid UTF-8 JSON within the nesting limit';
const PAYLOAD_NOT_OBJECT = 'the JWT payload is not a JSON object';
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const isSymmetric = (alg) => alg.startsWith('HS');

// joseClaims is the claims set jose itself would read from the payload of `jwt` (strict UTF-8
// with a leading BOM dropped, as its TextDecoder does, then JSON.parse), or undefined where
// jose fails too. Only asked after the core refused the payload as malformed, to pick jose's
// class for that refusal; the verdict stays the core's.
function joseClaims(jwt) {
  try {
    const claims = JSON.parse(strictDecoder.decode(Buffer.from(jwt.split('.')[1], 'base64url')));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

// malformedError is jose's class for a payload the core refused: JWTInvalid where jose cannot
// read a claims set either, JWTClaimValidationFailed (reason "invalid") for an exp/nbf/iat
// that is not a number to jose either, and otherwise JWSInvalid, the class of every other
// malformed token: jose would have read it, and the core's parsing is stricter (a BOM, lone
// surrogate escapes, repeated names, numbers beyond a double).
function malformedError(f, ctx, payload) {
  const m = NOT_A_NUMBER.exec(f.detail);
  if (m === null && f.detail !== PAYLOAD_NOT_JSON && f.detail !== PAYLOAD_NOT_OBJECT) {
    return new JWSInvalid(`Invalid Compact JWS: ${f.detail}`);
  }
  const claims = joseClaims(ctx.jwt);
  if (claims === undefined) return new JWTInvalid('JWT Claims Set must be a top-level JSON object');
  if (m !== null && typeof claims[m[1]] !== 'number') {
    return new JWTClaimValidationFailed(`"${m[1]}" claim must be a number`, payload, m[1], 'invalid');
  }
  return new JWSInvalid(`Invalid Compact JWS: ${f.detail}`);
}

// algorithmError is jose's class for an alg the core refused (unsupported, or outside the
// allow-list it was given) once jose's own checks of the header passed (jose_order.js): an
// alg jose knows and the core does not (Ed25519) is JOSENotSupported; any other is an alg the
// key cannot serve (a single RSA key and an ES256 token), JWKSNoMatchingKey (jose: TypeError).
function algorithmError(ctx) {
  const { alg } = joseHeader(ctx.jwt);
  if (!ALGORITHMS.has(alg)) return new JOSENotSupported('Unsupported "alg" value');
  return new JWKSNoMatchingKey();
}

// joseError maps the addon's failure object {code, summary, detail, claim?, payload?} to the
// error jose throws for the same token: the one of jose's checks of the header and key step
// that fails first (jose runs them before any other), else jose's class for the core's
// reason. `ctx`: {jwt, algorithms (the caller's option), setKeys (the JWK Set's members, or
// undefined for a single key)}.
function joseError(f, ctx) {
  const e = headerStageError(ctx.jwt, ctx) ?? coreError(f, ctx);
  e.twCode = f.code;
  e.twDetail = f.detail;
  return e;
}

// coreError is jose's class for the core's reason `f.code`.
function coreError(f, ctx) {
  const payload = parsePayload(f);
  let e;
  switch (f.code) {
    case 'expired':
      e = new JWTExpired('"exp" claim timestamp check failed', payload, 'exp', 'check_failed');
      break;
    case 'not_yet_valid':
      e = f.detail.includes('iat')
        ? new JWTClaimValidationFailed(
            '"iat" claim timestamp check failed (it should be in the past)', payload, 'iat', 'check_failed')
        : new JWTClaimValidationFailed('"nbf" claim timestamp check failed', payload, 'nbf', 'check_failed');
      break;
    case 'too_old':
      e = new JWTExpired('"auth_time" claim timestamp check failed', payload, 'auth_time', 'check_failed');
      break;
    case 'invalid_issuer':
      e = claimFailed(payload, 'iss');
      break;
    case 'invalid_audience':
      e = claimFailed(payload, 'aud');
      break;
    case 'invalid_type':
      e = new JWTClaimValidationFailed('unexpected "typ" JWT header value', payload, 'typ', 'check_failed');
      break;
    case 'invalid_nonce':
      e = claimFailed(payload, 'nonce');
      break;
    case 'invalid_at_hash':
      e = claimFailed(payload, 'at_hash');
      break;
    case 'insufficient_scope':
      e = new JWTClaimValidationFailed('unexpected "scope" claim value', payload, 'scope', 'check_failed');
      break;
    case 'missing_claim':
      e = new JWTClaimValidationFailed(`missing required "${f.claim}" claim`, payload, f.claim, 'missing');
      break;
    case 'invalid_signature':
      e = new JWSSignatureVerificationFailed();
      break;
    case 'key_not_found':
      e = new JWKSNoMatchingKey();
      break;
    case 'algorithm_not_allowed':
    case 'unsupported_algorithm':
      e = algorithmError(ctx);
      break;
    case 'unsupported_critical_header':
      // jose: JOSENotSupported for an extension it does not recognize.
      e = new JOSENotSupported('Extension Header Parameter is not recognized');
      break;
    case 'revoked':
      e = new JWTInvalid('the token has been revoked');
      break;
    case 'malformed':
      e = malformedError(f, ctx, payload);
      break;
    // DPoP and certificate binding (RFC 9449, RFC 8705): jose checks neither, so no class of
    // its own is named for them. A proof failure is about another JWT than the token, which
    // is well-formed and signed: JWTInvalid, jose's class for a JWT refused for a reason other
    // than a claim, header or signature check. A binding failure is the token's cnf claim not
    // matching the key or certificate presented: JWTClaimValidationFailed on "cnf", as jose
    // reports any claim that fails its check (with the verified payload).
    case 'invalid_dpop_proof':
    case 'dpop_proof_replayed':
    case 'use_dpop_nonce':
      e = new JWTInvalid(f.detail ? `${f.summary} (${f.detail})` : f.summary);
      break;
    case 'dpop_key_mismatch':
    case 'proof_of_possession_required':
    case 'certificate_mismatch':
      e = new JWTClaimValidationFailed(f.summary, payload, 'cnf', 'check_failed');
      break;
    default: // token_too_large
      e = new JWSInvalid(`${f.summary}`);
  }
  return e;
}

// ---------------------------------------------------------------------------------------
// Time periods, as jose's secs(): "30s", "5 minutes", "2h", "1.5d", "-1 hour", "1w ago".

const MULTIPLIERS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31557600 };
const PERIOD =
  /^(\+|\-)? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)(?: (ago|from now))?$/i;

function secs(str) {
  const m = typeof str === 'string' ? PERIOD.exec(str) : null;
  if (!m || (m[4] && m[1])) throw new TypeError('Invalid time period format');
  const n = Math.round(parseFloat(m[2]) * MULTIPLIERS[m[3][0].toLowerCase()]);
  if (!Number.isFinite(n)) throw new TypeError('Invalid time period format');
  return m[1] === '-' || m[4]?.toLowerCase() === 'ago' ? -n : n;
}

function finite(label, v) {
  if (!Number.isFinite(v)) throw new TypeError(`Invalid ${label} input`);
  return v;
}

// ---------------------------------------------------------------------------------------
// Options: jose's jwtVerify options become the native Verifier's (its policy) plus the few
// checks done here after a successful verification (several issuers, subject, maxTokenAge).

function stringList(name, v) {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw new TypeError(`"${name}" option must be a string or an array of strings`);
  }
  if (list.length === 0) throw new TypeError(`"${name}" option must not be an empty array`);
  // The core refuses an empty issuer or audience, so this is an error in the options (not,
  // as the core's refusal would be reported, in the key).
  if (list.includes('')) throw new TypeError(`"${name}" option must not be an empty string`);
  return list;
}

function prepare(options) {
  const { issuer, audience, algorithms, clockTolerance, typ, requiredClaims, maxTokenAge, subject, crit } = options;
  if (crit !== undefined && Object.keys(crit).length > 0) {
    throw new JOSENotSupported('tokenwarden/jose: the "crit" option is not supported');
  }
  const opts = { requireExp: false, checkIat: maxTokenAge !== undefined };
  const post = { issuers: undefined, subject, maxAge: undefined, tolerance: 0, noAlgorithm: false };
  const required = [];
  if (requiredClaims !== undefined) {
    if (!Array.isArray(requiredClaims) || requiredClaims.some((c) => typeof c !== 'string')) {
      throw new TypeError('"requiredClaims" option must be an array of strings');
    }
    required.push(...requiredClaims);
  }
  if (issuer !== undefined) {
    const list = stringList('issuer', issuer);
    if (list.length === 1) {
      opts.issuer = list[0];
    } else {
      post.issuers = list;
      required.push('iss');
    }
  }
  if (audience !== undefined) opts.audience = stringList('audience', audience);
  if (algorithms !== undefined) {
    if (!Array.isArray(algorithms) || algorithms.some((a) => typeof a !== 'string')) {
      throw new TypeError('"algorithms" option must be an array of strings');
    }
    const known = algorithms.filter((a) => ALGORITHMS.has(a));
    if (known.length > 0) opts.algorithms = known;
    else post.noAlgorithm = true;
  }
  let tolerance = 0;
  if (typeof clockTolerance === 'string') tolerance = secs(clockTolerance);
  else if (clockTolerance !== undefined) {
    if (typeof clockTolerance !== 'number') throw new TypeError('Invalid clockTolerance option type');
    tolerance = clockTolerance;
  }
  if (finite('clockTolerance option', tolerance) < 0) throw new TypeError('Invalid clockTolerance option input');
  post.tolerance = tolerance;
  // Fraction kept (jose's clockTolerance 1.5 is 1.5): the core compares times as doubles.
  if (tolerance > 0) opts.leeway = tolerance;
  if (typ !== undefined) {
    if (typeof typ !== 'string') throw new TypeError('"typ" option must be a string');
    opts.typ = typ;
  }
  if (subject !== undefined) {
    if (typeof subject !== 'string') throw new TypeError('"subject" option must be a string');
    required.push('sub');
  }
  if (maxTokenAge !== undefined) {
    const max = finite('maxTokenAge option', typeof maxTokenAge === 'number' ? maxTokenAge : secs(maxTokenAge));
    if (max < 0) throw new TypeError('Invalid maxTokenAge option input');
    post.maxAge = max;
    required.push('iat');
  }
  if (required.length > 0) opts.requiredClaims = [...new Set(required)];
  return { opts, post, key: JSON.stringify(opts) };
}

// ---------------------------------------------------------------------------------------
// Native verifiers, cached per key (object identity, or text for strings) and options.

const LOCAL = Symbol('tokenwarden.localJWKSet');
const MAX_PER_KEY = 32;
const MAX_TEXT_KEYS = 64;
const byObject = new WeakMap();
const byText = new Map();

function holderFor(key) {
  if (typeof key === 'string') {
    let h = byText.get(key);
    if (h === undefined) {
      if (byText.size >= MAX_TEXT_KEYS) byText.delete(byText.keys().next().value);
      h = { key, text: undefined, verifiers: new Map() };
      byText.set(key, h);
    }
    return h;
  }
  if (key === null || (typeof key !== 'object' && typeof key !== 'function')) {
    throw new TypeError('Key must be a JWK Set, a JWK, a KeyObject, a CryptoKey, a Uint8Array or a JWK Set function');
  }
  let h = byObject.get(key);
  if (h === undefined) {
    h = { key, text: undefined, verifiers: new Map() };
    byObject.set(key, h);
  }
  return h;
}

function textOf(key) {
  if (typeof key === 'function') return key[LOCAL];
  if (key !== null && typeof key === 'object' && !(key instanceof KeyObject) && !isCryptoKey(key) &&
      !(key instanceof Uint8Array) && !Array.isArray(key.keys) && typeof key.kty !== 'string') {
    throw new TypeError('Key must be a JWK Set, a JWK, a KeyObject, a CryptoKey, a Uint8Array or a JWK Set function');
  }
  return keysText(key, 'key');
}

// isKeySet: the key is a JWK Set (our createLocalJWKSet, or the object).
const isKeySet = (key) => (typeof key === 'function' && key[LOCAL] !== undefined) || isJwkSet(key);

// setKeysOf is the members of key set `key` (holder `h`) as the native verifier sees them
// (the text taken at first use), for jose's choice of a member (jose_order.js).
function setKeysOf(h, key) {
  h.text ??= textOf(key);
  h.setKeys ??= JSON.parse(h.text).keys;
  return h.setKeys;
}

const MAX_MEMBER_VERDICTS = 64;

// memberError is keyStageError for a token the core accepted with the key set of holder `h`
// (its setKeys read): the error jose's key set throws for the token's alg and kid, or
// undefined. The verdict depends on those two alone, so each set keeps it (the class: every
// throw is a fresh error) and the accept path stays as fast as before.
function memberError(h, header) {
  h.memberVerdicts ??= new Map();
  const k = header.kid === undefined ? header.alg : `${header.alg}\u0000${header.kid}`;
  let Err = h.memberVerdicts.get(k);
  if (Err === undefined) {
    if (h.memberVerdicts.size >= MAX_MEMBER_VERDICTS) h.memberVerdicts.clear();
    Err = keyStageError(header, h.setKeys)?.constructor ?? null;
    h.memberVerdicts.set(k, Err);
  }
  return Err === null ? undefined : new Err();
}

// setAlgorithms is the allow-list a JWK Set verifies with: jose's key sets refuse symmetric
// algorithms (an HS256 token never meets an "oct" member of a set), so they are left out of
// the caller's list, or of every algorithm when there is none.
const setAlgorithms = (opts) => (opts.algorithms ?? [...ALGORITHMS]).filter((a) => !isSymmetric(a));

// verifierFor is the native verifier for `key` (holder `h`) and `prepared` options, built once.
function verifierFor(h, key, prepared) {
  let v = h.verifiers.get(prepared.key);
  if (v === undefined) {
    h.text ??= textOf(key);
    const opts = isKeySet(key) ? { ...prepared.opts, algorithms: setAlgorithms(prepared.opts) } : prepared.opts;
    try {
      v = new native.Verifier({ ...opts, jwks: h.text });
    } catch (cause) {
      if (cause instanceof TypeError) throw cause;
      const set = typeof key === 'function' || Array.isArray(key?.keys) || /"keys"\s*:/.test(h.text);
      const Err = set ? JWKSInvalid : JWKInvalid;
      throw new Err(cause.message.replace(/^tokenwarden: /, ''), { cause });
    }
    if (h.verifiers.size >= MAX_PER_KEY) h.verifiers.delete(h.verifiers.keys().next().value);
    h.verifiers.set(prepared.key, v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------
// createLocalJWKSet: a key-set function as jose's (usable by jose too), that jwtVerify here
// recognizes and verifies natively without calling it.

function isJwkSet(jwks) {
  return jwks !== null && typeof jwks === 'object' && Array.isArray(jwks.keys) &&
    jwks.keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k));
}

function createLocalJWKSet(jwks) {
  if (!isJwkSet(jwks)) throw new JWKSInvalid('JSON Web Key Set malformed');
  const snapshot = structuredClone(jwks);
  const text = JSON.stringify(snapshot);
  // One KeyObject per JWK, made on first use: the same key object each time lets jwtVerify
  // reuse the native verifier it built for it (createRemoteJWKSet returns these).
  const made = new Map();
  const keyObjectOf = (jwk) => {
    let key = made.get(jwk);
    if (key === undefined) {
      key = jwk.kty === 'oct' ? createSecretKey(Buffer.from(jwk.k, 'base64url')) : createPublicKey({ key: jwk, format: 'jwk' });
      made.set(jwk, key);
    }
    return key;
  };
  // Called only by code other than this module's jwtVerify (e.g. jose's own jwtVerify).
  // jose's rule for picking the member: exactly one must fit alg and kid.
  const getKey = async (protectedHeader, token) => {
    const { alg, kid } = { ...protectedHeader, ...token?.header };
    if (!ALGORITHMS.has(alg) || alg.startsWith('HS')) throw new JOSENotSupported('Unsupported "alg" value for a JSON Web Key Set');
    const error = keyStageError({ alg, kid }, snapshot.keys);
    if (error !== undefined) throw error;
    return keyObjectOf(keySetCandidates(snapshot.keys, alg, kid)[0]);
  };
  Object.defineProperty(getKey, 'jwks', { value: () => structuredClone(snapshot) });
  Object.defineProperty(getKey, LOCAL, { value: text });
  return getKey;
}

// ---------------------------------------------------------------------------------------
// jwtVerify

const decoder = new TextDecoder();

function protectedHeaderOf(jwt) {
  const dot = jwt.indexOf('.');
  try {
    const header = JSON.parse(Buffer.from(jwt.slice(0, dot), 'base64url').toString('utf8'));
    if (dot > 0 && header !== null && typeof header === 'object' && !Array.isArray(header)) return header;
  } catch {
    // falls through
  }
  throw new JWSInvalid('JWS Protected Header is invalid');
}

function check(payload, post, now) {
  if (post.issuers !== undefined && !post.issuers.includes(payload.iss)) {
    const e = new JWTClaimValidationFailed('unexpected "iss" claim value', payload, 'iss', 'check_failed');
    e.twCode = 'invalid_issuer';
    throw e;
  }
  if (post.subject !== undefined && payload.sub !== post.subject) {
    // No core rule compares sub, so no twCode.
    throw new JWTClaimValidationFailed('unexpected "sub" claim value', payload, 'sub', 'check_failed');
  }
  if (post.maxAge !== undefined) {
    if (typeof payload.iat !== 'number') {
      throw new JWTClaimValidationFailed('"iat" claim must be a number', payload, 'iat', 'invalid');
    }
    if (now - payload.iat - post.tolerance > post.maxAge) {
      const e = new JWTExpired('"iat" claim timestamp check failed (too far in the past)', payload, 'iat', 'check_failed');
      e.twCode = 'too_old';
      throw e;
    }
    // The core has judged "iat in the future" already, as iat > now + leeway: rounding
    // now + leeway to a double can let an iat through that lies a fraction of a microsecond
    // beyond it, which jose's now - iat < -tolerance (exact for times this close) refuses
    // (found by the differential: iat now + 0.7, clockTolerance 0.7). jose's form only ever
    // refuses more, never less.
    if (now - payload.iat < -post.tolerance) {
      const e = new JWTClaimValidationFailed(
        '"iat" claim timestamp check failed (it should be in the past)', payload, 'iat', 'check_failed');
      e.twCode = 'not_yet_valid';
      throw e;
    }
  }
}

// jwtVerify(jwt, key, options) → Promise<{payload, protectedHeader, key?}>, as jose's.
// key: a JWK Set (object), createLocalJWKSet(...), a JWK, a KeyObject or CryptoKey, a
// Uint8Array HMAC secret, a PEM string, or any jose-style key function (called, as jose
// does, with the protected header; its result is then used as the key).
async function jwtVerify(jwt, key, options = {}) {
  if (jwt instanceof Uint8Array) jwt = decoder.decode(jwt);
  if (typeof jwt !== 'string') throw new JWSInvalid('Compact JWS must be a string or Uint8Array');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const prepared = prepare(options);
  // A key set is verified natively, never called; any other key function is called below.
  const set = isKeySet(key) ? holderFor(key) : undefined;
  const ctx = { jwt, algorithms: options.algorithms, setKeys: set === undefined ? undefined : setKeysOf(set, key) };
  if (prepared.post.noAlgorithm || (ctx.setKeys !== undefined && setAlgorithms(prepared.opts).length === 0)) {
    // No algorithm is left to give the core (only names it lacks; or, with a key set, only
    // symmetric ones), and an empty allow-list would mean "all": jose refuses every token
    // too, with the first reason its checks find.
    throw headerStageError(jwt, ctx) ?? algorithmError(ctx);
  }
  let resolved;
  if (typeof key === 'function' && key[LOCAL] === undefined) {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw new JWSInvalid('Invalid Compact JWS');
    resolved = await key(protectedHeaderOf(jwt), { payload: parts[1], signature: parts[2] });
    key = resolved;
  }
  const { currentDate } = options;
  let now;
  if (currentDate !== undefined) {
    if (!(currentDate instanceof Date)) throw new TypeError('Invalid currentDate option input');
    now = finite('currentDate option', Math.floor(currentDate.getTime() / 1000));
  } else {
    // jose's own clock: the current time floored to seconds (its epoch()), so a fractional
    // exp or nbf is judged as jose judges it. (Verifier.verify keeps the fraction.)
    now = Math.floor(Date.now() / 1000);
  }
  const r = verifierFor(set ?? holderFor(key), key, prepared).verifyFull(jwt, now);
  if (!Array.isArray(r)) throw joseError(r, ctx);
  const protectedHeader = JSON.parse(r[0]);
  if (set !== undefined) {
    // jose's key set verifies only with exactly one member that fits (no kid and two RSA
    // members: JWKSMultipleMatchingKeys); the core tries each, so this is checked here too.
    const error = memberError(set, protectedHeader);
    if (error !== undefined) throw error;
  }
  const payload = JSON.parse(r[1]);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new JWTInvalid('JWT Claims Set must be a top-level JSON object');
  }
  const { post } = prepared;
  if (post.issuers !== undefined || post.subject !== undefined || post.maxAge !== undefined) {
    check(payload, post, now);
  }
  const result = { payload, protectedHeader };
  if (resolved !== undefined) result.key = resolved;
  return result;
}

module.exports = { jwtVerify, createLocalJWKSet, errors, ...errors };
// Loaded last: remote_jwks.js builds on createLocalJWKSet and the error classes above.
module.exports.createRemoteJWKSet = require('./remote_jwks').createRemoteJWKSet;
