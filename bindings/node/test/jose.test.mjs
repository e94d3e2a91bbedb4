// jwtVerify parity with jose's own jwtVerify: same payload and protectedHeader on success,
// the same error class/code (and claim/reason for claim failures) on failure.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject } from 'node:crypto';
import * as jose from 'jose';

import * as tw from '../lib/jose.mjs';
import { jwtVerify as rootJwtVerify, errors as rootErrors } from '../lib/index.mjs';
import { ALGS, AUDIENCE, ISSUER, NOW, makeKey, mint, tamper } from './helpers.mjs';

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
