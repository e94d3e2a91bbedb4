'use strict';
// jose's order of checks before a signature is verified, to name the error jose throws first.
// jose's jwtVerify reads the protected header (with its own, lenient base64url), checks
// "crit", "alg" and the algorithms option, then asks the key for a key (a key set picks
// exactly one member, or throws), and only then decodes and verifies the signature and reads
// the payload. The core checks a token in its own order and stops at its first failure, so a
// token with several defects (an HS256 token with a BOM, given to a key set, say) is refused
// by both, for different reasons. The binding asks this module which reason jose gives. It
// never turns a rejection into an acceptance; keySetCandidates also refuses, after the core
// accepted a token, what a jose key set refuses (no kid and two members that fit).
const { JOSEAlgNotAllowed, JOSENotSupported, JWKSMultipleMatchingKeys, JWKSNoMatchingKey, JWSInvalid } =
  require('./jose_errors');

// ALGORITHMS are the algorithms the core implements; JOSE_ALGORITHMS are those jose knows
// (its JWS table): the same, plus the fully specified Ed25519 name and ML-DSA.
const ALGORITHMS = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
  'HS256', 'HS384', 'HS512',
]);
const JOSE_ALGORITHMS = new Set([...ALGORITHMS, 'Ed25519', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);
const EC_CURVES = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

// keyTypeOf is jose's key type and curve for `alg` (its JWS table), e.g. {kty: 'EC', crv: 'P-256'}.
function keyTypeOf(alg) {
  if (alg.startsWith('HS')) return { kty: 'oct' };
  if (alg.startsWith('RS') || alg.startsWith('PS')) return { kty: 'RSA' };
  if (alg.startsWith('ES')) return { kty: 'EC', crv: EC_CURVES[alg] };
  if (alg === 'EdDSA' || alg === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519' };
  return { kty: 'AKP' };
}

// keySetCandidates is the members of JWK Set `keys` that jose's createLocalJWKSet would
// consider for a token's `alg` and `kid` (its isUsableJWK): jose verifies only when there is
// exactly one. `alg` must be one jose knows.
function keySetCandidates(keys, alg, kid) {
  const want = keyTypeOf(alg);
  return keys.filter((jwk) => {
    const ops = jwk.key_ops;
    return (jwk.ext === undefined || typeof jwk.ext === 'boolean') &&
      (ops === undefined || (Array.isArray(ops) && ops.every((o, i) => typeof o === 'string' && ops.indexOf(o) === i) &&
        ops.includes('verify'))) &&
      jwk.kty === want.kty &&
      (kid === undefined || (typeof kid === 'string' && kid === jwk.kid)) &&
      (jwk.alg === undefined ? jwk.kty !== 'AKP' : jwk.alg === alg) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (want.crv === undefined || jwk.crv === want.crv);
  });
}

// joseBase64url decodes as jose does on this runtime: Uint8Array.fromBase64 where it exists,
// else atob, which also takes padding, whitespace and set unused bits (never "+" or "/").
function joseBase64url(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text, { alphabet: 'base64url' });
  if (text.includes('+') || text.includes('/')) throw new TypeError('Invalid base64url');
  return Buffer.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), 'latin1');
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const isPlainObject = (v) => Object.prototype.toString.call(v) === '[object Object]';

// joseHeader is the protected header of compact `jwt` as jose reads it (a leading BOM dropped,
// the last of repeated names kept), or undefined where jose throws JWSInvalid.
function joseHeader(jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(strictDecoder.decode(joseBase64url(parts[0])));
    return isPlainObject(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

// critError is jose's error for the header's "crit" (RFC 7515 §4.1.11; jose recognizes only
// b64, RFC 7797), or undefined when jose accepts it.
function critError(header) {
  const { crit } = header;
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((c) => typeof c !== 'string' || c.length === 0)) {
    return new JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  }
  for (const name of crit) {
    if (name !== 'b64') return new JOSENotSupported(`Extension Header Parameter "${name}" is not recognized`);
    if (header.b64 === undefined) return new JWSInvalid('Extension Header Parameter "b64" is missing');
  }
  if (typeof header.b64 !== 'boolean') {
    return new JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
  }
  return undefined;
}

// keyStageError is what jose's key step throws for `alg`: a key set refuses symmetric and
// unknown algorithms and wants exactly one member; a single key, an alg jose does not know.
function keyStageError(header, setKeys) {
  const { alg, kid } = header;
  if (setKeys === undefined) {
    return JOSE_ALGORITHMS.has(alg) ? undefined : new JOSENotSupported(`alg ${alg} is not supported`);
  }
  if (!JOSE_ALGORITHMS.has(alg) || alg.startsWith('HS')) {
    return new JOSENotSupported('Unsupported "alg" value for a JSON Web Key Set');
  }
  const n = keySetCandidates(setKeys, alg, kid).length;
  if (n === 0) return new JWKSNoMatchingKey();
  return n > 1 ? new JWKSMultipleMatchingKeys() : undefined;
}

// headerStageError is the error jose throws for `jwt` before it looks at the signature, or
// undefined when jose gets that far. `ctx`: {algorithms (the caller's option), setKeys (the
// members of the JWK Set the token is checked against, or undefined for a single key)}.
function headerStageError(jwt, ctx) {
  const header = joseHeader(jwt);
  if (header === undefined) {
    return new JWSInvalid(jwt.split('.').length === 3 ? 'JWS Protected Header is invalid' : 'Invalid Compact JWS');
  }
  const crit = critError(header);
  if (crit !== undefined) return crit;
  if (typeof header.alg !== 'string' || header.alg === '') {
    return new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  }
  if (ctx.algorithms !== undefined && !ctx.algorithms.includes(header.alg)) {
    return new JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  }
  return keyStageError(header, ctx.setKeys);
}

module.exports = { ALGORITHMS, headerStageError, joseHeader, keySetCandidates, keyStageError };
