// The Verifier API: every algorithm family, every error code path, async, concurrency, key
// rotation and revocation.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createSecretKey } from 'node:crypto';
import * as jose from 'jose';

import { Verifier, TokenError, ERROR_CODES, jwtVerify as twJwtVerify } from '../lib/index.mjs';
import { ALGS, AUDIENCE, ISSUER, NOW, makeKey, mint, rawHs256, tamper } from './helpers.mjs';

const keys = Object.fromEntries(await Promise.all(ALGS.map(async (a) => [a, await makeKey(a)])));
const jwks = { keys: ALGS.map((a) => keys[a].jwk) };

function verifier(extra = {}) {
  return new Verifier({ jwks, issuer: ISSUER, audience: AUDIENCE, ...extra });
}

// rejects asserts that verify (and verifyAsync) throw a TokenError with `code`.
async function rejects(v, token, code, opts, extra = {}) {
  assert.throws(() => v.verify(token, opts), (e) => {
    assert.ok(e instanceof TokenError, `not a TokenError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'TokenError');
    assert.equal(e.code, code, e.message);
    assert.equal(typeof e.detail, 'string');
    for (const [k, val] of Object.entries(extra)) assert.equal(e[k], val);
    return true;
  });
  await assert.rejects(v.verifyAsync(token, opts), (e) => e instanceof TokenError && e.code === code);
}

describe('valid tokens', () => {
  for (const alg of ALGS) {
    test(`${alg} verifies (sync, async, complete)`, async () => {
      const v = verifier();
      const token = await mint(keys[alg], { scope: 'read write', n: 1 });
      const payload = v.verify(token);
      assert.equal(payload.sub, 'user-1');
      assert.equal(payload.n, 1);
      assert.deepEqual(v.verify(token), payload); // cached
      assert.deepEqual(await v.verifyAsync(token), payload);
      const full = v.verify(token, { complete: true });
      assert.deepEqual(full.header, { alg, kid: keys[alg].kid });
      assert.deepEqual(full.payload, payload);
      assert.deepEqual(await v.verifyAsync(token, { complete: true }), full);
    });
  }

  test('single JWK, PEM, KeyObject and secret-bytes keys', async () => {
    const rs = keys.RS256;
    const token = await mint(rs);
    const pem = (await jose.exportSPKI(rs.verifyKey));
    for (const key of [rs.jwk, JSON.stringify(rs.jwk), pem, rs.verifyKey, JSON.stringify(jwks)]) {
      assert.equal(new Verifier({ jwks: key }).verify(token).sub, 'user-1');
    }
    const hs = keys.HS256;
    const hsToken = await mint(hs);
    assert.equal(new Verifier({ jwks: hs.secret }).verify(hsToken).sub, 'user-1');
    assert.equal(new Verifier({ jwks: createSecretKey(hs.secret) }).verify(hsToken).sub, 'user-1');
    // A single key ignores the token's kid.
    assert.equal(new Verifier({ jwks: pem }).verify(await mint(rs, {}, { kid: 'other' })).sub, 'user-1');
  });

  test('now option: seconds or Date; leeway', async () => {
    const v = verifier({ cache: 0 });
    const token = await mint(keys.ES256, { exp: NOW + 10 });
    assert.ok(v.verify(token, { now: NOW + 9 }));
    assert.ok(v.verify(token, { now: new Date((NOW + 9) * 1000) }));
    await rejects(v, token, 'expired', { now: NOW + 10 });
    assert.ok(verifier({ leeway: 5 }).verify(token, { now: NOW + 14 }));
  });

  // Regression (issue 19): `now` and `leeway` were cut to whole seconds before the core, which
  // compares NumericDates as doubles: leeway 1.5 acted as 1, now 0.7 s past exp as exp itself.
  test('now and leeway keep their fractions, cache hits included', async () => {
    const token = await mint(keys.ES256, { exp: NOW + 10 });
    const tolerant = verifier({ leeway: 1.5 });
    assert.ok(tolerant.verify(token, { now: NOW + 11.4 }));
    await rejects(tolerant, token, 'expired', { now: NOW + 11.6 }); // a cache hit re-checks
    const fractional = await mint(keys.ES256, { exp: NOW + 10.5 });
    const v = verifier();
    assert.ok(v.verify(fractional, { now: NOW + 10.2 }));
    await rejects(v, fractional, 'expired', { now: NOW + 10.7 });
    await rejects(v, fractional, 'expired', { now: new Date((NOW + 10.7) * 1000) });
  });

  test('the default clock keeps its fraction: exp 0.85 s ago is expired', async () => {
    // Once the second is 0.9 old, exp = now - 0.85 lies in the same whole second as now, so
    // only a fractional clock sees that it has passed.
    while ((Date.now() / 1000) % 1 < 0.9) await new Promise((r) => setTimeout(r, 5));
    const token = await mint(keys.HS256, { exp: Date.now() / 1000 - 0.85, iat: undefined });
    await rejects(verifier({ cache: 0 }), token, 'expired');
  });

  test('typ, scopes, required claims that are present', async () => {
    const v = verifier({ typ: 'at+jwt', scopes: ['read'], requiredClaims: ['email'] });
    const token = await mint(keys.RS256, { scope: 'read write', email: 'a@b.c' }, { typ: 'application/at+jwt' });
    assert.equal(v.verify(token).email, 'a@b.c');
  });

  test('audience list and requireExp false', async () => {
    const v = verifier({ audience: ['other', AUDIENCE], requireExp: false });
    assert.ok(v.verify(await mint(keys.EdDSA, { exp: undefined })));
  });

  // The addon hands ASCII payloads to V8 as Latin-1 and the rest as UTF-8: either way the
  // payload is the one signed, on every path (sync, complete, async, a failure's payload).
  test('ASCII and non-ASCII payloads come back as signed', async () => {
    const v = verifier({ cache: 0 });
    for (const extra of [{ note: 'plain ascii ~!' }, { note: 'café', 名前: '値', e: '😀' },
      { note: '\u0000 control \t and \u007f', last: 'ÿ' }]) {
      const token = await mint(keys.HS256, extra);
      const { payload } = await jose.jwtVerify(token, keys.HS256.verifyKey);
      assert.deepEqual(v.verify(token), payload);
      assert.deepEqual(v.verify(token, { complete: true }).payload, payload);
      assert.deepEqual(await v.verifyAsync(token), payload);
      // A failure after a good signature carries the payload (the jose API shows it).
      const expired = await mint(keys.HS256, { ...extra, exp: NOW - 10 });
      await assert.rejects(twJwtVerify(expired, keys.HS256.verifyKey),
        (e) => e.code === 'ERR_JWT_EXPIRED' && e.payload.note === extra.note);
    }
  });
});

describe('error codes', () => {
  const rs = () => keys.RS256;

  test('expired', async () => rejects(verifier(), await mint(rs(), { exp: NOW - 1 }), 'expired'));
  test('nbf in the future', async () =>
    rejects(verifier(), await mint(rs(), { nbf: NOW + 300 }), 'not_yet_valid'));
  test('iat in the future', async () =>
    rejects(verifier(), await mint(rs(), { iat: NOW + 300 }), 'not_yet_valid'));
  test('wrong issuer', async () =>
    rejects(verifier(), await mint(rs(), { iss: 'https://evil.example.com' }), 'invalid_issuer'));
  test('wrong audience', async () =>
    rejects(verifier(), await mint(rs(), { aud: 'api://other' }), 'invalid_audience'));
  test('bad signature', async () => {
    for (const alg of ALGS) await rejects(verifier(), tamper(await mint(keys[alg])), 'invalid_signature');
  });
  test('signed by another key with the same kid', async () => {
    const impostor = { ...(await makeKey('ES256')), kid: keys.ES256.kid };
    await rejects(verifier(), await mint(impostor), 'invalid_signature');
  });
  test('unknown kid', async () =>
    rejects(verifier(), await mint(rs(), {}, { kid: 'nope' }), 'key_not_found'));
  test('algorithm not allowed', async () =>
    rejects(verifier({ algorithms: ['ES256', 'EdDSA'] }), await mint(rs()), 'algorithm_not_allowed'));
  test('malformed', async () => {
    const v = verifier();
    for (const t of ['', 'abc', 'a.b', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30', '...']) await rejects(v, t, 'malformed');
    const token = await mint(rs());
    await rejects(v, `${token}=`, 'malformed');
    await rejects(v, `${token}.x`, 'malformed');
  });
  test('non-ASCII tail is never ignored', async () => {
    const v = verifier({ maxTokenBytes: 4096 });
    const token = await mint(rs());
    for (const tail of ['€', 'é', '😀', '\u0000']) await rejects(v, token + tail, 'malformed');
  });
  test('token too large (and a tail past the limit)', async () => {
    const token = await mint(rs());
    const v = verifier({ maxTokenBytes: token.length });
    assert.ok(v.verify(token));
    await rejects(v, `${token}x`, 'token_too_large');
    await rejects(v, `${token}€€€`, 'token_too_large');
    await rejects(verifier(), 'a'.repeat(1 << 20), 'token_too_large');
  });
  test('missing required claim', async () => {
    await rejects(verifier({ requiredClaims: ['email'] }), await mint(rs()), 'missing_claim', undefined, { claim: 'email' });
    await rejects(verifier(), await mint(rs(), { exp: undefined }), 'missing_claim', undefined, { claim: 'exp' });
  });
  test('typ', async () => {
    const v = verifier({ typ: 'at+jwt' });
    await rejects(v, await mint(rs(), {}, { typ: 'JWT' }), 'invalid_type');
    await rejects(v, await mint(rs()), 'invalid_type');
  });
  test('insufficient scope', async () =>
    rejects(verifier({ scopes: ['admin'] }), await mint(rs(), { scope: 'read' }), 'insufficient_scope'));
  test('unsupported algorithm and critical header', async () => {
    const hs = keys.HS256;
    const v = verifier();
    const claims = { iss: ISSUER, aud: AUDIENCE, exp: NOW + 60 };
    await rejects(v, rawHs256(hs.secret, { alg: 'none' }, claims).replace(/[^.]+$/, ''), 'unsupported_algorithm');
    await rejects(v, rawHs256(hs.secret, { alg: 'HS257', kid: hs.kid }, claims), 'unsupported_algorithm');
    await rejects(v, rawHs256(hs.secret, { alg: 'HS256', kid: hs.kid, crit: ['x'], x: 1 }, claims),
      'unsupported_critical_header');
    assert.ok(v.verify(rawHs256(hs.secret, { alg: 'HS256', kid: hs.kid }, claims)));
  });
  test('messages name the rule', async () => {
    try {
      verifier().verify(await mint(rs(), { exp: NOW - 5 }));
      assert.fail('accepted');
    } catch (e) {
      assert.match(e.message, /expired/);
      assert.match(e.detail, /exp/);
    }
  });
  test('ERROR_CODES lists the stable codes', () => {
    for (const c of ['expired', 'invalid_signature', 'key_not_found', 'malformed', 'missing_claim', 'revoked']) {
      assert.ok(ERROR_CODES.includes(c), c);
    }
    assert.ok(!ERROR_CODES.includes('ok'));
  });
});

describe('constructor and argument errors', () => {
  test('bad options', () => {
    assert.throws(() => new Verifier(), TypeError);
    assert.throws(() => new Verifier({}), /jwks/);
    assert.throws(() => new Verifier({ jwks, issuer: 3 }), { name: 'TypeError', message: /issuer/ });
    assert.throws(() => new Verifier({ jwks, audience: [] }), { name: 'TypeError', message: /audience/ });
    assert.throws(() => new Verifier({ jwks, algorithms: [] }), TypeError);
    assert.throws(() => new Verifier({ jwks, leeway: -1 }), { name: 'TypeError', message: /leeway/ });
    assert.throws(() => new Verifier({ jwks, cache: 1.5 }), { name: 'TypeError', message: /cache/ });
    assert.throws(() => new Verifier({ jwks, isuer: 'x' }), { name: 'TypeError', message: /unknown option "isuer"/ });
    assert.throws(() => new Verifier({ jwks, algorithms: ['none'] }), /unsupported algorithm/);
    assert.throws(() => new Verifier({ jwks: 'not a key' }), Error);
    assert.throws(() => new Verifier({ jwks: { keys: [] } }), Error);
    assert.throws(() => new Verifier({ jwks: 42 }), TypeError);
  });
  test('bad token / now arguments', async () => {
    const v = verifier();
    assert.throws(() => v.verify(42), TypeError);
    assert.throws(() => v.verify(undefined), TypeError);
    assert.throws(() => v.verify('a.b.c', { now: 'soon' }), TypeError);
    assert.throws(() => v.verify('a.b.c', { now: NaN }), TypeError);
    await assert.rejects(v.verifyAsync(42), TypeError);
  });
});

describe('verifyAsync', () => {
  test('many at once, mixed verdicts, cache on and off', async () => {
    for (const cache of [0, 16384]) {
      const v = verifier({ cache });
      const good = await Promise.all(ALGS.map((a) => mint(keys[a], { a })));
      const bad = await Promise.all(ALGS.map(async (a) => tamper(await mint(keys[a]))));
      const expired = await mint(keys.ES256, { exp: NOW - 100 });
      const jobs = [];
      for (let i = 0; i < 2000; i++) {
        const kind = i % 3;
        const token = kind === 0 ? good[i % good.length] : kind === 1 ? bad[i % bad.length] : expired;
        jobs.push(v.verifyAsync(token).then(
          (p) => ['ok', p.a],
          (e) => [e.code, undefined],
        ).then((r) => [kind, i, r]));
      }
      for (const [kind, i, [code, a]] of await Promise.all(jobs)) {
        if (kind === 0) {
          assert.equal(code, 'ok');
          assert.equal(a, ALGS[i % good.length]);
        } else {
          assert.equal(code, kind === 1 ? 'invalid_signature' : 'expired');
        }
      }
    }
  });

  test('survives the Verifier being dropped while work is in flight', async () => {
    const token = await mint(keys.PS256);
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(verifier({ cache: 0 }).verifyAsync(token));
    globalThis.gc?.();
    for (const p of await Promise.all(pending)) assert.equal(p.sub, 'user-1');
  });
});

describe('updateKeys', () => {
  test('rotation: new key accepted, old key rejected, cached verdicts dropped', async () => {
    const a = await makeKey('ES256', 'a');
    const b = await makeKey('ES256', 'b');
    const v = new Verifier({ jwks: { keys: [a.jwk] } });
    const ta = await mint(a);
    const tb = await mint(b);
    assert.ok(v.verify(ta));
    assert.ok(v.verify(ta)); // now cached
    await rejects(v, tb, 'key_not_found');
    v.updateKeys({ keys: [b.jwk] });
    assert.ok(v.verify(tb));
    await rejects(v, ta, 'key_not_found');
    v.updateKeys(JSON.stringify({ keys: [a.jwk, b.jwk] }));
    assert.ok(v.verify(ta) && v.verify(tb));
  });
  test('a bad key set is refused and the old one stays', async () => {
    const v = verifier();
    assert.throws(() => v.updateKeys({ keys: [{ kty: 'nope' }] }), Error);
    assert.throws(() => v.updateKeys(7), TypeError);
    assert.ok(v.verify(await mint(keys.RS256)));
  });
  test('concurrent with verifyAsync', async () => {
    const v = verifier();
    const token = await mint(keys.EdDSA);
    const jobs = [];
    for (let i = 0; i < 500; i++) {
      jobs.push(v.verifyAsync(token));
      if (i % 50 === 0) v.updateKeys(jwks);
    }
    for (const p of await Promise.all(jobs)) assert.equal(p.sub, 'user-1');
  });
});

describe('revoke', () => {
  test('revoked tokens fail on every path; forged ones are not revocable', async () => {
    const v = verifier();
    const token = await mint(keys.RS256, { jti: 'j1' });
    const other = await mint(keys.RS256, { jti: 'j2' });
    assert.ok(v.verify(token)); // cached before the revocation
    assert.equal(v.revoke(token), true);
    await rejects(v, token, 'revoked');
    assert.ok(v.verify(other));
    assert.equal(v.revoke(tamper(other)), false);
    assert.ok(v.verify(other));
    assert.equal(v.revoke('garbage'), false);
    assert.equal(verifier({ cache: 0 }).revoke(token, { now: NOW }), true);
  });
});

test('PEM from node:crypto (RSA and EC)', async () => {
  for (const [type, alg, opts] of [['rsa', 'RS256', { modulusLength: 2048 }], ['ec', 'ES256', { namedCurve: 'P-256' }]]) {
    const { publicKey, privateKey } = generateKeyPairSync(type, opts);
    const token = await new jose.SignJWT({ exp: NOW + 60 }).setProtectedHeader({ alg }).sign(privateKey);
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    assert.ok(new Verifier({ jwks: pem }).verify(token));
    assert.ok(new Verifier({ jwks: privateKey }).verify(token)); // the public half is used
  }
});

describe('sharedPayloads', () => {
  test('repeats return one frozen object, still judged by the core each time', async () => {
    const v = verifier({ sharedPayloads: true, algorithms: ['ES256', 'RS256'] });
    const token = await mint(keys.ES256, { exp: NOW + 60, roles: ['a'] });
    const first = v.verify(token);
    assert.equal(v.verify(token), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.roles));
    assert.throws(() => { 'use strict'; first.sub = 'x'; }, TypeError);
    // Time, revocation and rotation are the core's verdicts on every call.
    await rejects(v, token, 'expired', { now: NOW + 61 });
    v.revoke(token);
    await rejects(v, token, 'revoked');
    const other = await mint(keys.RS256);
    v.updateKeys({ keys: [keys.ES256.jwk] });
    await rejects(v, other, 'key_not_found');
  });
  test('off by default: each verify returns a fresh, mutable object', async () => {
    const v = verifier();
    const token = await mint(keys.ES256);
    const first = v.verify(token);
    first.sub = 'changed';
    assert.equal(v.verify(token).sub, 'user-1');
  });
});
