// The addon exports only the N-API entry points: no BoringSSL (or OpenSSL-named) symbol is
// defined for others to bind to, and none is left undefined to bind to Node's OpenSSL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'tokenwarden.node');
const CRYPTO = /^(EVP_|RSA_|SSL_|BN_|CRYPTO_|ERR_|EC_|ECDSA_|ED25519_|HMAC|SHA\d|MD5|OPENSSL_|BIO_|X509|PEM_|ASN1_|CBS_|CBB_|d2i_|i2d_|RAND_|BORINGSSL|bssl|OBJ_|DH_|DSA_|ENGINE_|AES_|HKDF|PKCS)/;

function nm(...args) {
  return execFileSync('nm', ['-D', ...args, addon], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).pop());
}

test('defined dynamic symbols: only the N-API entry points', () => {
  const defined = nm('--defined-only');
  assert.deepEqual(defined.filter((s) => CRYPTO.test(s)), []);
  assert.deepEqual(defined.sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
});

test('undefined dynamic symbols: no crypto function is taken from the host', () => {
  const undef = nm('--undefined-only');
  assert.deepEqual(undef.filter((s) => CRYPTO.test(s)), []);
  assert.ok(undef.some((s) => s.startsWith('napi_')), 'N-API comes from node');
});
