// Shared fixtures: key pairs for every algorithm family and token minting with jose.
import { createHmac, randomBytes } from 'node:crypto';
import * as jose from 'jose';

export const NOW = Math.floor(Date.now() / 1000);
export const ISSUER = 'https://issuer.example.com';
export const AUDIENCE = 'api://orders';

// makeKey generates a signing key for `alg` with public JWK `kid`. For HS256 the "public"
// JWK is the secret (oct).
export async function makeKey(alg, kid = `${alg.toLowerCase()}-1`) {
  if (alg.startsWith('HS')) {
    const secret = new Uint8Array(randomBytes(32));
    const jwk = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid, alg };
    return { alg, kid, privateKey: secret, verifyKey: secret, jwk, secret };
  }
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, verifyKey: publicKey, jwk };
}

// mint signs `claims` (defaults: iss, aud, sub, iat, exp = NOW + 600) with `key`.
// header overrides the protected header; pass undefined claim values to drop defaults.
export async function mint(key, claims = {}, header = {}) {
  const body = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: NOW, exp: NOW + 600, ...claims };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return new jose.SignJWT(body)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

// rawHs256 signs any header/payload with an HMAC secret, bypassing jose's checks (for crit,
// none, duplicate members...): objects are JSON-encoded, strings and bytes taken as they are.
export function rawHs256(secret, header, payload) {
  const raw = (v) => typeof v === 'string' || v instanceof Uint8Array;
  const enc = (v) => Buffer.from(raw(v) ? v : JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// tamper flips one character in the middle of the signature.
export function tamper(token) {
  const i = token.lastIndexOf('.') + 10;
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}

export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
