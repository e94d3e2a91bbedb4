// CommonJS and ESM entry points, the package name (self-reference through "exports") and the
// tokenwarden/jose subpath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import * as esmRoot from 'tokenwarden';
import esmDefault from 'tokenwarden';
import * as esmJose from 'tokenwarden/jose';

const require = createRequire(import.meta.url);
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('CommonJS require of the root and of tokenwarden/jose', () => {
  const cjs = require('tokenwarden');
  for (const name of ['Verifier', 'TokenError', 'ERROR_CODES', 'jwtVerify', 'createLocalJWKSet', 'createRemoteJWKSet', 'errors']) {
    assert.ok(cjs[name] !== undefined, name);
  }
  const cjsJose = require('tokenwarden/jose');
  assert.equal(cjsJose.jwtVerify, cjs.jwtVerify);
  assert.equal(cjsJose.JWTExpired, cjs.errors.JWTExpired);
  assert.equal(require('../lib/index.js'), cjs);
});

test('ESM import: named, default and the jose subpath share the CommonJS objects', () => {
  const cjs = require('tokenwarden');
  assert.equal(esmRoot.Verifier, cjs.Verifier);
  assert.equal(esmRoot.TokenError, cjs.TokenError);
  assert.equal(esmDefault, cjs);
  assert.equal(esmJose.jwtVerify, cjs.jwtVerify);
  assert.equal(esmJose.createLocalJWKSet, cjs.createLocalJWKSet);
  assert.equal(esmJose.errors, cjs.errors);
  assert.equal(esmJose.JWSSignatureVerificationFailed, cjs.errors.JWSSignatureVerificationFailed);
});

test('a plain CommonJS script and a plain ESM script load the package', () => {
  const cjsOut = execFileSync(process.execPath, ['-e',
    "const t = require('tokenwarden'); const j = require('tokenwarden/jose'); " +
    "console.log(typeof t.Verifier, typeof j.jwtVerify)"], { cwd: pkgDir, encoding: 'utf8' });
  assert.equal(cjsOut.trim(), 'function function');
  const esmOut = execFileSync(process.execPath, ['--input-type=module', '-e',
    "import { Verifier } from 'tokenwarden'; import { jwtVerify } from 'tokenwarden/jose'; " +
    'console.log(typeof Verifier, typeof jwtVerify)'], { cwd: pkgDir, encoding: 'utf8' });
  assert.equal(esmOut.trim(), 'function function');
});

test('the addon loads and verifies in worker threads too', async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { createSecretKey, createHmac } = require('node:crypto');
    const { Verifier } = require(${JSON.stringify(path.join(pkgDir, 'lib', 'index.js'))});
    const secret = Buffer.alloc(32, 7);
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = enc({ alg: 'HS256' }) + '.' + enc({ sub: 'w', exp: 4102444800 });
    const token = input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
    const v = new Verifier({ jwks: createSecretKey(secret) });
    v.verifyAsync(token).then((p) => parentPort.postMessage(v.verify(token).sub + p.sub));`;
  const results = await Promise.all([1, 2, 3].map(() => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  assert.deepEqual(results, ['ww', 'ww', 'ww']);
});
