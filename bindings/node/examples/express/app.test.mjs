// Starts the example on loopback and checks its answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { Verifier } from 'tokenwarden';
import { createRequire } from 'node:module';

const { createApp } = createRequire(import.meta.url)('./app.js');
const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'api://orders';

let server;
let base;
let privateKey;
let other;

before(async () => {
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  other = (await jose.generateKeyPair('ES256')).privateKey;
  const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  const verifier = new Verifier({ jwks: { keys: [jwk] }, issuer: ISSUER, audience: AUDIENCE, scopes: ['orders:read'] });
  server = createApp(verifier).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims, key = privateKey) =>
  new jose.SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scope: 'orders:read', iat: now(), exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);

const get = (token) => fetch(`${base}/me`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

test('200 with a valid bearer token', async () => {
  const res = await get(await sign({}));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { sub: 'user-1', scope: 'orders:read' });
});

test('401 invalid_token for a bad signature, an expired token or garbage', async () => {
  for (const [token, code] of [
    [await sign({}, other), 'invalid_signature'],
    [await sign({ exp: 1000 }), 'expired'],
    ['not.a.jwt', 'malformed'],
  ]) {
    const res = await get(token);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate');
    assert.match(challenge, /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);
    assert.equal((await res.json()).code, code);
  }
});

test('403 insufficient_scope; 401 without credentials; health is open', async () => {
  const res = await get(await sign({ scope: 'profile' }));
  assert.equal(res.status, 403);
  assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope"/);
  const none = await get();
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
  assert.equal((await fetch(`${base}/health`)).status, 200);
});
