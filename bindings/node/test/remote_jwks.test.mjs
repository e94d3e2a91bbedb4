// createRemoteJWKSet: only https: is fetched (http: when allowed explicitly); fetching, the
// cache, the unknown-kid refetch with its cooldown, and jose's errors for bad responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tw from '../lib/jose.mjs';
import { AUDIENCE, ISSUER, makeKey, mint } from './helpers.mjs';

const first = await makeKey('ES256', 'k1');
const second = await makeKey('ES256', 'k2');

// serve answers GET / with whatever `reply()` returns ({ status, body }) and counts calls.
async function serve(reply) {
  const server = createServer((req, res) => {
    server.calls += 1;
    const { status = 200, body } = reply();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  server.calls = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.url = new URL(`http://127.0.0.1:${server.address().port}/jwks`);
  return server;
}

test('refuses every scheme but https: (file: would read a local JWK Set and trust it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-jwks-'));
  const file = join(dir, 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [first.jwk] }));
  for (const url of [pathToFileURL(file), new URL('ftp://example.com/jwks'),
    new URL('data:application/json,{"keys":[]}'), new URL('ldap://example.com/'),
    pathToFileURL(file).href, 'jwks.json', file]) {
    assert.throws(() => tw.createRemoteJWKSet(url), TypeError, String(url));
    // allowInsecureHttp opens http: only, never the others.
    assert.throws(() => tw.createRemoteJWKSet(url, { allowInsecureHttp: true }), TypeError, String(url));
  }
  assert.throws(() => tw.createRemoteJWKSet(new URL('http://127.0.0.1/jwks')), /https/);
  assert.throws(() => tw.createRemoteJWKSet(new URL('http://127.0.0.1/jwks'), { allowInsecureHttp: 'yes' }), /https/);
  assert.doesNotThrow(() => tw.createRemoteJWKSet(new URL('https://issuer.example/jwks')));
  assert.throws(() => tw.createRemoteJWKSet(new URL('https://a.example/'), { cooldownDuration: NaN }), TypeError);
  assert.throws(() => tw.createRemoteJWKSet(new URL('https://a.example/'), { timeoutDuration: Infinity }), TypeError);
});

test('fetches once, verifies, and refetches for a rotated-in kid after the cooldown', async () => {
  let keys = [first.jwk];
  const server = await serve(() => ({ body: { keys } }));
  try {
    const set = tw.createRemoteJWKSet(server.url, { allowInsecureHttp: true, cooldownDuration: 0 });
    const options = { issuer: ISSUER, audience: AUDIENCE };
    const a = await tw.jwtVerify(await mint(first), set, options);
    assert.equal(a.payload.sub, 'user-1');
    await tw.jwtVerify(await mint(first), set, options);
    assert.equal(server.calls, 1, 'a fresh set is not fetched again');
    assert.equal(set.fresh, true);
    keys = [first.jwk, second.jwk];  // the issuer rotates a key in
    const b = await tw.jwtVerify(await mint(second), set, options);
    assert.equal(b.protectedHeader.kid, 'k2');
    assert.equal(server.calls, 2);
    assert.deepEqual(set.jwks(), { keys });
  } finally {
    server.close();
  }
});

test('an unknown kid during the cooldown is JWKSNoMatchingKey without a fetch', async () => {
  const server = await serve(() => ({ body: { keys: [first.jwk] } }));
  try {
    const set = tw.createRemoteJWKSet(server.url, { allowInsecureHttp: true, cooldownDuration: 60000 });
    await tw.jwtVerify(await mint(first), set);
    await assert.rejects(tw.jwtVerify(await mint(second), set), (e) => e.code === 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(server.calls, 1);
    assert.equal(set.coolingDown, true);
  } finally {
    server.close();
  }
});

test('bad responses give jose\'s errors', async () => {
  const cases = [
    [{ status: 500, body: { error: 'x' } }, 'ERR_JOSE_GENERIC'],
    [{ body: 'not json' }, 'ERR_JOSE_GENERIC'],
    [{ body: { keys: 'nope' } }, 'ERR_JWKS_INVALID'],
    [{ body: 'x'.repeat((1 << 20) + 10) }, 'ERR_JOSE_GENERIC'],
  ];
  for (const [reply, code] of cases) {
    const server = await serve(() => reply);
    try {
      const set = tw.createRemoteJWKSet(server.url, { allowInsecureHttp: true });
      await assert.rejects(tw.jwtVerify(await mint(first), set), (e) => e.code === code, JSON.stringify(reply).slice(0, 60));
    } finally {
      server.close();
    }
  }
});

test('a server that never answers is JWKSTimeout', async () => {
  const server = createServer(() => {});  // accepts, never responds
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const set = tw.createRemoteJWKSet(new URL(`http://127.0.0.1:${server.address().port}/`),
      { allowInsecureHttp: true, timeoutDuration: 200 });
    await assert.rejects(tw.jwtVerify(await mint(first), set), (e) => e.code === 'ERR_JWKS_TIMEOUT');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
