// jwtVerify parity with jose's own jwtVerify: same payload and protectedHeader on success,
// the same error class/code (and claim/reason for claim failures) on failure.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject } from 'node:crypto';
import * as jose from 'jose';

import * as tw from '../lib/jose.mjs';
import { jwtVerify as rootJwtVerify, errors as rootErrors } from '../lib/index.mjs';
import { ALGS, AUDIENCE, ISSUER, NOW, makeKey, mint, rawHs256, tamper } from './helpers.mjs';

const keys = Object.fromEntries(await Promise.all(ALGS.map(async (a) => [a, await makeKey(a)])));
const asymmetric = ALGS.filter((a) => !a.startsWith('HS'));
const jwks = { keys: asymmetric.map((a) => keys[a].jwk) };
const currentDate = new Date(NOW * 1000);

async function outcome(fn) {
  try {
    const r = await fn();
    return { ok: true, payload: r.payload, protectedHeader: r.protectedHeader };
  } catch (e) {
    return { ok: false, name: e.name, code: e.code, claim: e.claim, reason: e.reason, twCode: e.twCode, message: e.message };
  }
}

// same runs both and compares; returns ours.
async function same(token, joseKey, ourKey, options, label) {
  const theirs = await outcome(() => jose.jwtVerify(token, joseKey, options));
  const ours = await outcome(() => tw.jwtVerify(token, ourKey, options));
  const msg = `${label}\n jose: ${JSON.stringify(theirs)}\n ours: ${JSON.stringify(ours)}`;
  assert.equal(ours.ok, theirs.ok, msg);
  if (theirs.ok) {
    assert.deepEqual(ours.payload, theirs.payload, msg);
    assert.deepEqual(ours.protectedHeader, theirs.protectedHeader, msg);
  } else {
    assert.equal(ours.code, theirs.code, msg);
    assert.equal(ours.name, theirs.name, msg);
    assert.equal(ours.claim, theirs.claim, msg);
    assert.equal(ours.reason, theirs.reason, msg);
  }
  return ours;
}

// cases: [label, claims, header, options, token transform]
const base = { issuer: ISSUER, audience: AUDIENCE, currentDate };
const CASES = [
  ['valid', {}, {}, base],
  ['valid, no options but the date', {}, {}, { currentDate }],
  ['expired', { exp: NOW - 1 }, {}, base],
  ['expired exactly now', { exp: NOW }, {}, base],
  ['expired within clockTolerance "5s"', { exp: NOW - 3 }, {}, { ...base, clockTolerance: '5s' }],
  ['expired beyond clockTolerance 2', { exp: NOW - 3 }, {}, { ...base, clockTolerance: 2 }],
  ['nbf in the future', { nbf: NOW + 100 }, {}, base],
  ['nbf within clockTolerance "2m"', { nbf: NOW + 100 }, {}, { ...base, clockTolerance: '2m' }],
  ['iat in the future (jose does not check it)', { iat: NOW + 100 }, {}, base],
  ['no exp (jose does not require it)', { exp: undefined }, {}, base],
  ['wrong issuer', { iss: 'https://evil.example.com' }, {}, base],
  ['missing issuer', { iss: undefined }, {}, base],
  ['issuer list, match', {}, {}, { ...base, issuer: ['https://a.example.com', ISSUER] }],
  ['issuer list, no match', {}, {}, { ...base, issuer: ['https://a.example.com', 'https://b.example.com'] }],
  ['issuer list, missing iss', { iss: undefined }, {}, { ...base, issuer: ['https://a.example.com', ISSUER] }],
  ['wrong audience', { aud: 'api://other' }, {}, base],
  ['missing audience', { aud: undefined }, {}, base],
  ['audience list', { aud: ['x', AUDIENCE] }, {}, { ...base, audience: ['y', AUDIENCE] }],
  ['bad signature', {}, {}, base, tamper],
  ['algorithm not allowed', {}, {}, { ...base, algorithms: ['ES384'] }],
  ['algorithm allowed', {}, {}, { ...base, algorithms: ALGS }],
  ['malformed: one segment', {}, {}, base, () => 'abc'],
  ['malformed: garbage segments', {}, {}, base, () => 'a.b.c'],
  ['missing required claim', {}, {}, { ...base, requiredClaims: ['email'] }],
  ['present required claim', { email: 'a@b.c' }, {}, { ...base, requiredClaims: ['email', 'sub'] }],
  ['typ mismatch', {}, { typ: 'JWT' }, { ...base, typ: 'at+jwt' }],
  ['typ missing', {}, {}, { ...base, typ: 'at+jwt' }],
  ['typ match', {}, { typ: 'application/at+jwt' }, { ...base, typ: 'at+JWT' }],
  ['subject match', {}, {}, { ...base, subject: 'user-1' }],
  ['subject mismatch', {}, {}, { ...base, subject: 'user-2' }],
  ['subject missing', { sub: undefined }, {}, { ...base, subject: 'user-1' }],
  ['maxTokenAge ok', { iat: NOW - 60 }, {}, { ...base, maxTokenAge: '10m' }],
  ['maxTokenAge too old', { iat: NOW - 3600 }, {}, { ...base, maxTokenAge: 600 }],
  ['maxTokenAge, iat in the future', { iat: NOW + 100 }, {}, { ...base, maxTokenAge: 600 }],
  ['maxTokenAge, iat missing', { iat: undefined }, {}, { ...base, maxTokenAge: 600 }],
  ['exp not a number', { exp: 'tomorrow' }, {}, base],
  ['currentDate in the future', {}, {}, { ...base, currentDate: new Date((NOW + 3600) * 1000) }],
  ['currentDate in the past (nbf)', { nbf: NOW }, {}, { ...base, currentDate: new Date((NOW - 3600) * 1000) }],
];

async function run(alg, joseKey, ourKey) {
  for (const [label, claims, header, options, transform = (t) => t] of CASES) {
    const token = transform(await mint(keys[alg], claims, header));
    const ours = await same(token, joseKey, ourKey, options, `${alg} ${label}`);
    if (!ours.ok && ours.claim !== 'sub') assert.equal(typeof ours.twCode, 'string', `${alg} ${label}: twCode`);
  }
}

describe('parity with jose.jwtVerify', () => {
  for (const alg of asymmetric) {
    test(`${alg}: JWK Set (createLocalJWKSet)`, () =>
      run(alg, jose.createLocalJWKSet(jwks), tw.createLocalJWKSet(jwks)));
    test(`${alg}: public key (CryptoKey / KeyObject)`, async () => {
      await run(alg, keys[alg].verifyKey, keys[alg].verifyKey);
      await run(alg, KeyObject.from(keys[alg].verifyKey), KeyObject.from(keys[alg].verifyKey));
    });
    test(`${alg}: JWK object`, () => run(alg, keys[alg].jwk, keys[alg].jwk));
  }
  test('HS256: Uint8Array secret', () => run('HS256', keys.HS256.secret, keys.HS256.secret));
  test('HS256: JWK object', () => run('HS256', keys.HS256.jwk, keys.HS256.jwk));

  test('unknown kid in a JWK Set', async () => {
    for (const alg of asymmetric) {
      const token = await mint(keys[alg], {}, { kid: 'unknown' });
      const ours = await same(token, jose.createLocalJWKSet(jwks), tw.createLocalJWKSet(jwks), base, `${alg} unknown kid`);
      assert.equal(ours.code, 'ERR_JWKS_NO_MATCHING_KEY');
      assert.equal(ours.twCode, 'key_not_found');
    }
  });

  test("jose's own createLocalJWKSet works as our key (key function)", async () => {
    const set = jose.createLocalJWKSet(jwks);
    for (const alg of asymmetric) {
      await same(await mint(keys[alg]), set, set, base, `${alg} via jose's key set`);
      await same(tamper(await mint(keys[alg])), set, set, base, `${alg} via jose's key set, tampered`);
      await same(await mint(keys[alg], {}, { kid: 'x' }), set, set, base, `${alg} via jose's key set, unknown kid`);
    }
  });

  test('our createLocalJWKSet works with jose.jwtVerify', async () => {
    const set = tw.createLocalJWKSet(jwks);
    for (const alg of asymmetric) {
      const { payload } = await jose.jwtVerify(await mint(keys[alg]), set, base);
      assert.equal(payload.sub, 'user-1');
    }
    assert.deepEqual(set.jwks(), jwks);
    assert.throws(() => tw.createLocalJWKSet({ nope: 1 }), { code: 'ERR_JWKS_INVALID' });
  });
});

describe('jwtVerify details', () => {
  test('error classes and codes', async () => {
    const E = tw.errors;
    assert.equal(rootErrors, E);
    const set = tw.createLocalJWKSet(jwks);
    const cases = [
      [await mint(keys.ES256, { exp: NOW - 10 }), base, E.JWTExpired, 'ERR_JWT_EXPIRED', 'expired'],
      [tamper(await mint(keys.ES256)), base, E.JWSSignatureVerificationFailed, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'invalid_signature'],
      ['abc', base, E.JWSInvalid, 'ERR_JWS_INVALID', 'malformed'],
      [await mint(keys.ES256), { ...base, algorithms: ['RS256'] }, E.JOSEAlgNotAllowed, 'ERR_JOSE_ALG_NOT_ALLOWED', 'algorithm_not_allowed'],
      [await mint(keys.ES256, {}, { kid: 'z' }), base, E.JWKSNoMatchingKey, 'ERR_JWKS_NO_MATCHING_KEY', 'key_not_found'],
      [await mint(keys.ES256, { iss: 'x' }), base, E.JWTClaimValidationFailed, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'invalid_issuer'],
      [await mint(keys.ES256, { aud: 'x' }), base, E.JWTClaimValidationFailed, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'invalid_audience'],
      [await mint(keys.ES256, { nbf: NOW + 99 }), base, E.JWTClaimValidationFailed, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'not_yet_valid'],
      [await mint(keys.ES256), { ...base, typ: 'at+jwt' }, E.JWTClaimValidationFailed, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'invalid_type'],
      [await mint(keys.ES256), { ...base, requiredClaims: ['email'] }, E.JWTClaimValidationFailed, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'missing_claim'],
    ];
    for (const [token, options, Class, code, twCode] of cases) {
      await assert.rejects(tw.jwtVerify(token, set, options), (e) => {
        assert.ok(e instanceof Class, `${twCode}: ${e}`);
        assert.ok(e instanceof E.JOSEError);
        assert.equal(e.code, code);
        assert.equal(Class.code, code);
        assert.equal(e.twCode, twCode);
        return true;
      });
    }
    const e = await tw.jwtVerify(await mint(keys.ES256), set, { ...base, requiredClaims: ['email'] }).catch((x) => x);
    assert.equal(e.claim, 'email');
    assert.equal(e.reason, 'missing');
    assert.equal(e.payload.sub, 'user-1');
    const typed = await tw.jwtVerify(await mint(keys.ES256, { exp: 'soon' }), set, base).catch((x) => x);
    assert.equal(typed.reason, 'invalid');
    assert.equal(typed.payload.exp, 'soon'); // signature verified: the payload is the issuer's
    const forged = await tw.jwtVerify(tamper(await mint(keys.ES256, { exp: NOW - 10 })), set, base).catch((x) => x);
    assert.equal(forged.payload, undefined); // never an unverified payload
  });

  test('the package root exports the same jwtVerify', async () => {
    assert.equal(rootJwtVerify, tw.jwtVerify);
  });

  test('options change between calls with the same key', async () => {
    const set = tw.createLocalJWKSet(jwks);
    const token = await mint(keys.ES256);
    assert.ok((await tw.jwtVerify(token, set, { issuer: ISSUER })).payload);
    await assert.rejects(tw.jwtVerify(token, set, { issuer: 'https://other' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    assert.ok((await tw.jwtVerify(token, set, { issuer: ISSUER })).payload);
    assert.ok((await tw.jwtVerify(token, jwks)).payload); // a plain JWK Set object
    assert.ok((await tw.jwtVerify(new TextEncoder().encode(token), set)).payload); // Uint8Array token
  });

  test('bad arguments', async () => {
    const set = tw.createLocalJWKSet(jwks);
    await assert.rejects(tw.jwtVerify(42, set), { code: 'ERR_JWS_INVALID' });
    await assert.rejects(tw.jwtVerify('a.b.c', 42), TypeError);
    await assert.rejects(tw.jwtVerify('a.b.c', { foo: 1 }), TypeError);
    await assert.rejects(tw.jwtVerify('a.b.c', set, { clockTolerance: 'soon' }), TypeError);
    await assert.rejects(tw.jwtVerify('a.b.c', set, { clockTolerance: -1 }), TypeError);
    await assert.rejects(tw.jwtVerify('a.b.c', set, { algorithms: 'RS256' }), TypeError);
    await assert.rejects(tw.jwtVerify('a.b.c', set, { audience: [] }), TypeError);
    await assert.rejects(tw.jwtVerify(await mint(keys.ES256), { keys: [{ kty: 'nope' }] }), { code: 'ERR_JWKS_INVALID' });
  });

  test('algorithms naming only algorithms we lack reject every token', async () => {
    await assert.rejects(tw.jwtVerify(await mint(keys.ES256), tw.createLocalJWKSet(jwks), { algorithms: ['ES256K'] }),
      { code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });
});

// Regressions of issue 19: where jose and ours disagreed, or ours and the README did.
describe('jose parity regressions', () => {
  const rsa = keys.RS256;
  const secret = keys.HS256.secret;
  const withOct = { keys: [keys.HS256.jwk, rsa.jwk] };

  test('a JWK Set never verifies a symmetric algorithm, oct member or not', async () => {
    // jose: JWK Sets are for asymmetric keys; an HS* alg is JOSENotSupported before any lookup.
    const hs = await mint(keys.HS256);
    for (const algorithms of [undefined, ['HS256', 'RS256'], ['HS256']]) {
      const options = { ...base, algorithms };
      const ours = await same(hs, jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct), options,
        `HS256 token, set with an oct member, algorithms ${algorithms}`);
      assert.equal(ours.code, 'ERR_JOSE_NOT_SUPPORTED');
      // A plain JWK Set object (ours only) follows the same rule.
      await assert.rejects(tw.jwtVerify(hs, withOct, options), { code: 'ERR_JOSE_NOT_SUPPORTED' });
    }
    // The set's asymmetric keys still verify, and an algorithms option still comes first.
    await same(await mint(rsa), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct), base, 'RS256 token');
    await same(await mint(rsa), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct),
      { ...base, algorithms: ['HS256'] }, 'RS256 token, only HS256 allowed');
  });

  test('a swapped header alg gives what jose gives with a key set', async () => {
    const set = { keys: [rsa.jwk, keys.ES256.jwk] };
    const [, payload, signature] = (await mint(rsa)).split('.');
    for (const alg of ['PS256', 'RS384', 'ES256', 'HS256', 'none']) {
      const header = Buffer.from(JSON.stringify({ alg, kid: rsa.kid })).toString('base64url');
      const token = `${header}.${payload}.${signature}`;
      for (const algorithms of [undefined, ['RS256'], ['RS256', alg]]) {
        await same(token, jose.createLocalJWKSet(set), tw.createLocalJWKSet(set), { ...base, algorithms },
          `RS256 token relabelled ${alg}, algorithms ${algorithms}`);
      }
    }
    // A single key: an alg the key cannot serve is JWKSNoMatchingKey (README; jose: TypeError).
    const header = Buffer.from(JSON.stringify({ alg: 'ES256' })).toString('base64url');
    for (const key of [rsa.verifyKey, KeyObject.from(rsa.verifyKey), rsa.jwk]) {
      await assert.rejects(tw.jwtVerify(`${header}.${payload}.${signature}`, key, base),
        { code: 'ERR_JWKS_NO_MATCHING_KEY', twCode: 'algorithm_not_allowed' });
    }
  });

  test('payloads jose cannot read are JWTInvalid, as in jose', async () => {
    const bodies = [Buffer.from('not json'), Buffer.from('[1,2]'),
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])]; // {"a":"<CESU surrogate>"}
    for (const body of bodies) {
      const token = rawHs256(secret, { alg: 'HS256' }, body);
      const ours = await same(token, secret, secret, {}, `payload ${JSON.stringify(body.toString())}`);
      assert.equal(ours.code, 'ERR_JWT_INVALID');
      assert.equal(ours.twCode, 'malformed');
    }
  });

  test('payloads only the core refuses are JWSInvalid, the README class for malformed', async () => {
    // jose reads each of these; the core's parsing is stricter (README, Differences from jose).
    const exp = NOW + 600;
    const bodies = [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"exp":${exp}}`)]), // a BOM
      Buffer.from(`{"exp":${exp},"a":"\\ud800"}`), // a lone surrogate escape
      Buffer.from(`{"exp":${exp},"a":1,"a":2}`), // a repeated name
      Buffer.from(`{"exp":1${'0'.repeat(400)}}`), // a NumericDate beyond a double
    ];
    for (const body of bodies) {
      const token = rawHs256(secret, { alg: 'HS256' }, body);
      assert.equal((await outcome(() => jose.jwtVerify(token, secret))).ok, true, body.toString());
      const ours = await outcome(() => tw.jwtVerify(token, secret));
      assert.equal(ours.name, 'JWSInvalid', `${body.toString().slice(0, 40)}: ${JSON.stringify(ours)}`);
      assert.equal(ours.twCode, 'malformed');
    }
  });

  test('clockTolerance keeps its fraction', async () => {
    const token = await mint(rsa, { exp: NOW - 2 });
    for (const clockTolerance of [1.5, 2, 2.5, '2s', '3s']) {
      await same(token, rsa.jwk, rsa.jwk, { ...base, clockTolerance }, `exp 2 s ago, tolerance ${clockTolerance}`);
    }
    const ours = await outcome(() => tw.jwtVerify(token, rsa.jwk, { ...base, clockTolerance: 2.5 }));
    assert.equal(ours.ok, true); // whole seconds would have made 2.5 a 2: expired
  });

  // Found by the differential (test/differential.test.mjs), each a regression here.
  test('a key set refuses a token without kid that two members fit, as jose', async () => {
    const other = await makeKey('RS256', 'rs256-2');
    const set = { keys: [rsa.jwk, other.jwk, keys.ES256.jwk] };
    const noKid = await mint(rsa, {}, { kid: undefined });
    for (const [token, label] of [[noKid, 'valid'], [tamper(noKid), 'bad signature']]) {
      const ours = await same(token, jose.createLocalJWKSet(set), tw.createLocalJWKSet(set), base, `no kid, ${label}`);
      assert.equal(ours.code, 'ERR_JWKS_MULTIPLE_MATCHING_KEYS');
      await assert.rejects(tw.jwtVerify(token, set, base), tw.errors.JWKSMultipleMatchingKeys); // a plain JWK Set
    }
    // The verdict is kept per set and alg/kid: a repeat refuses too, and a kid still verifies.
    const twSet = tw.createLocalJWKSet(set);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(tw.jwtVerify(noKid, twSet, base), { code: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' });
      assert.equal((await tw.jwtVerify(await mint(rsa), twSet, base)).payload.sub, 'user-1');
    }
    // Our createLocalJWKSet as jose's key function picks members by the same rule.
    await assert.rejects(jose.jwtVerify(noKid, tw.createLocalJWKSet(set), base), { code: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' });
    // One member that fits (kid given, or the only one of its type) still verifies.
    await same(await mint(rsa), jose.createLocalJWKSet(set), tw.createLocalJWKSet(set), base, 'kid given');
    await same(await mint(keys.ES256, {}, { kid: undefined }), jose.createLocalJWKSet(set), tw.createLocalJWKSet(set),
      base, 'ES256 without kid: one EC member');
  });

  test("jose's checks of the header come first when a token has several defects", async () => {
    const exp = NOW + 600;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"exp":${exp}}`)]);
    const cases = [
      // An HS256 token to a key set: JOSENotSupported before jose reads the payload (BOM).
      [rawHs256(secret, { alg: 'HS256' }, bom), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct), 'ERR_JOSE_NOT_SUPPORTED'],
      // A malformed crit: JWSInvalid before the core's "unsupported crit".
      [rawHs256(secret, { alg: 'HS256', crit: [''] }, { exp }), secret, secret, 'ERR_JWS_INVALID'],
      // No alg, or not a string: JWSInvalid, before any allow-list or key lookup.
      [rawHs256(secret, { typ: 'JWT' }, { exp }), secret, secret, 'ERR_JWS_INVALID'],
      [rawHs256(secret, { alg: 256 }, { exp }), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct), 'ERR_JWS_INVALID'],
      // A kid that is not a string finds no member of a set (the core: malformed).
      [await mint(rsa, {}, { kid: 7 }), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct), 'ERR_JWKS_NO_MATCHING_KEY'],
      // none with a key set: a set refuses the alg.
      [rawHs256(secret, { alg: 'none' }, { exp }).replace(/[^.]+$/, ''), jose.createLocalJWKSet(withOct), tw.createLocalJWKSet(withOct),
        'ERR_JOSE_NOT_SUPPORTED'],
    ];
    for (const [token, joseKey, ourKey, code] of cases) {
      const ours = await same(token, joseKey, ourKey, {}, `several defects, expecting ${code}`);
      assert.equal(ours.code, code);
    }
  });

  test('an iat just beyond now + clockTolerance is refused as jose refuses it (maxTokenAge)', async () => {
    // iat now + 0.2 with tolerance 0.2: now + 0.2 rounds up past the iat double, so iat <=
    // now + tolerance holds; jose's now - iat < -tolerance does not.
    const now = 1767225600;
    const token = await mint(rsa, { iat: now + 0.2, exp: now + 600 });
    for (const maxTokenAge of [60, 1.5]) {
      const options = { ...base, currentDate: new Date(now * 1000), clockTolerance: 0.2, maxTokenAge };
      const ours = await same(token, rsa.jwk, rsa.jwk, options, `iat now + 0.2, maxTokenAge ${maxTokenAge}`);
      assert.equal(ours.claim, 'iat');
      assert.equal(ours.twCode, 'not_yet_valid');
    }
  });

  test('an empty audience or issuer is a TypeError, not a key error', async () => {
    const token = await mint(rsa);
    for (const options of [{ audience: '' }, { audience: [AUDIENCE, ''] }, { issuer: '' }, { issuer: [ISSUER, ''] }]) {
      await assert.rejects(tw.jwtVerify(token, rsa.jwk, options), TypeError, JSON.stringify(options));
    }
  });

  test("without currentDate the clock is jose's: now floored to the second", async () => {
    // exp half a second into this second: jose's floored clock has not reached it yet.
    while ((Date.now() / 1000) % 1 < 0.6) await new Promise((r) => setTimeout(r, 5));
    const exp = Math.floor(Date.now() / 1000) + 0.5;
    const token = await mint(rsa, { exp, iat: undefined });
    await same(token, rsa.jwk, rsa.jwk, {}, 'exp a fraction ago, within the same second');
  });
});
