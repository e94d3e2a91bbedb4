'use strict';
// keysText turns what a user passes as keys into the text the core loads (a JWK Set, one
// JWK, or a PEM public key).
const { KeyObject, createPublicKey } = require('node:crypto');

const isCryptoKey = (k) => globalThis.CryptoKey !== undefined && k instanceof globalThis.CryptoKey;

// keyObjectJwk exports a KeyObject as a public (or, for HMAC, secret) JWK.
function keyObjectJwk(key) {
  const k = key.type === 'private' ? createPublicKey(key) : key;
  try {
    return k.export({ format: 'jwk' });
  } catch (cause) {
    throw new TypeError(`tokenwarden: cannot use this ${k.asymmetricKeyType ?? k.type} key`, { cause });
  }
}

// secretJwk wraps HMAC secret bytes as an oct JWK.
function secretJwk(bytes) {
  return { kty: 'oct', k: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url') };
}

// keysText accepts a string (JWK Set or JWK JSON, or PEM), a JWK Set or JWK object, a
// KeyObject, a CryptoKey, or secret bytes (Uint8Array).
function keysText(keys, what = 'jwks') {
  if (typeof keys === 'string') return keys;
  if (keys instanceof KeyObject) return JSON.stringify(keyObjectJwk(keys));
  if (isCryptoKey(keys)) return JSON.stringify(keyObjectJwk(KeyObject.from(keys)));
  if (keys instanceof Uint8Array) return JSON.stringify(secretJwk(keys));
  if (keys !== null && typeof keys === 'object' && !Array.isArray(keys)) return JSON.stringify(keys);
  throw new TypeError(
    `tokenwarden: ${what} must be a JWK Set, a JWK, a PEM public key, a KeyObject or a Uint8Array secret`,
  );
}

module.exports = { keysText, keyObjectJwk, secretJwk, isCryptoKey };
