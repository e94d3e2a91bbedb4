// The addon exports only the N-API entry points: no BoringSSL (or OpenSSL-named) symbol is
// defined for others to bind to, and none is left undefined to bind to Node's OpenSSL. And it
// needs no shared library beyond the C and C++ runtimes, so a prebuilt addon loads on any
// glibc machine (abseil and simdjson are linked statically, cmake/StaticDeps.cmake).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

// The file lib/native.js loads: a source build's, or the installed tarball's prebuilt one.
const addon = createRequire(import.meta.url)('../lib/addon_file.js').addonFile();
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

test('shared libraries needed: only the C and C++ runtimes', () => {
  const needed = execFileSync('readelf', ['-dW', addon], { encoding: 'utf8' })
    .split('\n').map((l) => /\(NEEDED\).*\[(.+)\]/.exec(l)).filter(Boolean).map((m) => m[1]);
  const runtimes = /^(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|ld-linux-x86-64)\.so\.\d+$/;
  assert.deepEqual(needed.filter((lib) => !runtimes.test(lib)), []);
  assert.ok(needed.includes('libc.so.6'), needed.join(' '));
});
