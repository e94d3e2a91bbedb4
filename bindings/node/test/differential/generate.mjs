// The differential's token generator: from a seed, a deterministic list of cases, each a
// compact JWS (valid, or one mutation away from valid), the jwtVerify options to check it
// with, and the key forms to check it against. Signing is raw (node:crypto), not jose's
// SignJWT, so a case can carry bytes no JOSE library would produce: duplicate members, a
// BOM, padding, lone surrogates, crit and b64 headers.
import { constants, createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const NOW = 1767225600; // 2026-01-01T00:00:00Z: every time in a case is relative to it
export const ISSUER = 'https://issuer.example.com';
export const AUDIENCE = 'api://orders';
export const DEFAULT_SEED = 19;

const KEYS = JSON.parse(readFileSync(new URL('./keys.json', import.meta.url))).keys;

// Each algorithm both jose and the binding support, the test key that signs it, and the
// length of its signature in bytes (for the size cases).
export const ALGS = {
  RS256: { kid: 'rsa-1', hash: 'sha256', sigLen: 256 },
  RS384: { kid: 'rsa-1', hash: 'sha384', sigLen: 256 },
  RS512: { kid: 'rsa-1', hash: 'sha512', sigLen: 256 },
  PS256: { kid: 'rsa-1', hash: 'sha256', sigLen: 256, pss: 32 },
  PS384: { kid: 'rsa-1', hash: 'sha384', sigLen: 256, pss: 48 },
  PS512: { kid: 'rsa-1', hash: 'sha512', sigLen: 256, pss: 64 },
  ES256: { kid: 'ec-p256', hash: 'sha256', sigLen: 64 },
  ES384: { kid: 'ec-p384', hash: 'sha384', sigLen: 96 },
  ES512: { kid: 'ec-p521', hash: 'sha512', sigLen: 132 },
  EdDSA: { kid: 'ed25519', hash: null, sigLen: 64 },
  HS256: { kid: 'oct-1', hash: 'sha256', sigLen: 32 },
  HS384: { kid: 'oct-1', hash: 'sha384', sigLen: 48 },
  HS512: { kid: 'oct-1', hash: 'sha512', sigLen: 64 },
};
const isHmac = (alg) => alg.startsWith('HS');
const isEc = (alg) => alg.startsWith('ES');

const privateKeys = {};
for (const [kid, jwk] of Object.entries(KEYS)) {
  if (jwk.kty !== 'oct') privateKeys[kid] = createPrivateKey({ key: jwk, format: 'jwk' });
}
const secret = new Uint8Array(Buffer.from(KEYS['oct-1'].k, 'base64url'));

// publicJwk is the public half of test key `kid`, with its kid and use: "sig" (no alg member,
// so the RSA key serves RS* and PS* alike).
function publicJwk(kid) {
  if (KEYS[kid].kty === 'oct') return { kty: 'oct', k: KEYS[kid].k, kid };
  return { ...createPublicKey(privateKeys[kid]).export({ format: 'jwk' }), kid, use: 'sig' };
}

// The key material a case is checked against. Each form is passed to jose and to the
// binding as it is (the set through each library's own createLocalJWKSet).
export const KEY_SETS = {
  // Every asymmetric test key; two RSA keys, so a token without kid matches both.
  asymmetric: { keys: ['rsa-1', 'rsa-2', 'ec-p256', 'ec-p384', 'ec-p521', 'ed25519'].map(publicJwk) },
  // An oct member next to an RSA key: neither library may verify HS* with a set.
  withOct: { keys: ['oct-1', 'rsa-1'].map(publicJwk) },
};
export const SINGLE_KEYS = {};
for (const alg of Object.keys(ALGS)) {
  const { kid } = ALGS[alg];
  SINGLE_KEYS[alg] = {
    key: isHmac(alg) ? secret : createPublicKey(privateKeys[kid]),
    jwk: publicJwk(kid),
  };
}

// rng is sfc32 (PractRand-clean, 128-bit state) seeded from one integer: the cases depend on
// the seed alone, never on Math.random.
export function rng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
  return r;
}

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const utf8 = (s) => Buffer.from(s, 'utf8');

// signBytes signs `input` as `alg` with key `kid` (raw: any header, any payload).
export function signBytes(alg, kid, input) {
  const spec = ALGS[alg];
  if (isHmac(alg)) return createHmac(spec.hash, secret).update(input).digest();
  const key = privateKeys[kid];
  if (alg === 'EdDSA') return sign(null, Buffer.from(input), key);
  if (spec.pss) {
    return sign(spec.hash, Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pss });
  }
  return sign(spec.hash, Buffer.from(input), isEc(alg) ? { key, dsaEncoding: 'ieee-p1363' } : key);
}

// encode turns a header or payload (an object, JSON text, or bytes) into its bytes.
const bytesOf = (v) => (v instanceof Uint8Array ? v : utf8(typeof v === 'string' ? v : JSON.stringify(v)));

// segments encodes a draft's header and payload, each rewritten by headerSeg / payloadSeg.
const segments = (d) => [d.headerSeg(b64u(bytesOf(d.header))), d.payloadSeg(b64u(bytesOf(d.payload)))];

// signatureOf is the draft's signature over `input`: by its signer, or (the HS256 confusion)
// an HMAC keyed with the text of the public key, or nothing when there is no signer.
function signatureOf(d, input) {
  if (d.hmacWithPublicKey !== undefined) {
    const { kid } = ALGS[d.alg];
    const pub = createPublicKey(privateKeys[kid]);
    const text = d.hmacWithPublicKey === 'pem' ? pub.export({ type: 'spki', format: 'pem' }) : JSON.stringify(publicJwk(kid));
    return createHmac('sha256', text).update(input).digest();
  }
  if (!d.signer) return new Uint8Array();
  return signBytes(d.signer.alg, d.signer.kid, input);
}

// fillTo grows the payload's "filler" claim until the token is `target` characters long (or
// one over, when base64url's 4/3 steps skip it).
function fillTo(d, target) {
  const sigChars = Math.ceil((ALGS[d.alg].sigLen * 4) / 3);
  const length = () => segments(d).join('.').length + 1 + sigChars;
  d.payload.filler = 'f'.repeat(Math.max(0, Math.floor(((target - length()) * 3) / 4) - 2));
  while (length() < target) d.payload.filler += 'f';
}

// build finishes a draft: {header, payload (object, JSON text or bytes), signer {alg, kid}
// or null, signOver {header?, payload?} (sign those instead: a signature that belongs to
// another token), headerSeg / payloadSeg / sigSeg (rewrite an encoded segment; the header
// and payload ones before signing), signature (rewrite the signature bytes), token (rewrite
// the finished token)}.
export function build(d) {
  if (d.sizeTarget !== undefined) fillTo(d, d.sizeTarget);
  const [h, p] = segments(d);
  let input = `${h}.${p}`;
  if (d.signOver !== undefined) {
    input = segments({ ...d, header: d.signOver.header ?? d.header, payload: d.signOver.payload ?? d.payload }).join('.');
  }
  const sig = d.signature(signatureOf(d, input));
  return d.token(`${h}.${p}.${d.sigSeg(b64u(sig))}`);
}

// claims is a typical access token's claim set at NOW, with a little variety.
function claims(r) {
  const c = { iss: ISSUER, aud: AUDIENCE, sub: `user-${r.int(1000)}`, iat: NOW - r.int(600), exp: NOW + 60 + r.int(3600) };
  if (r.chance(0.5)) c.jti = `j${r.int(1e9)}`;
  if (r.chance(0.3)) c.scope = r.pick(['read', 'read write', 'admin']);
  if (r.chance(0.2)) c.nbf = NOW - r.int(60);
  return c;
}

// draft is a valid token for `alg` with options that accept it.
function draft(r, alg) {
  const { kid } = ALGS[alg];
  const options = { currentDate: new Date(NOW * 1000 + r.int(1000)) };
  if (r.chance(0.8)) options.issuer = ISSUER;
  if (r.chance(0.8)) options.audience = AUDIENCE;
  if (r.chance(0.25)) options.algorithms = r.chance(0.5) ? [alg] : Object.keys(ALGS);
  const header = r.chance(0.3) ? { typ: 'JWT', alg, kid } : { alg, kid };
  const id = (s) => s;
  return {
    alg, header, payload: claims(r), options, signer: { alg, kid },
    headerSeg: id, payloadSeg: id, sigSeg: id, signature: id, token: id,
  };
}

export { draft, b64u, utf8, isHmac, isEc };
