// DPoP (RFC 9449): verifyDpopProof, DpopReplayCache, jwkThumbprint and accessTokenHash against
// the RFCs' own examples, every failure code, replay, and proofs made by panva's `dpop` client
// package (WebCrypto keys), not our code.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as DPoP from 'dpop';
import * as jose from 'jose';

import {
  verifyDpopProof, verifyDpopProofAsync, DpopReplayCache, DpopReplayCacheFullError, jwkThumbprint, accessTokenHash,
  TokenError, ERROR_CODES, jwtVerify, errors, Verifier,
} from '../lib/index.mjs';
import { AUDIENCE, ISSUER, makeKey, mint } from './helpers.mjs';

const VECTORS = JSON.parse(readFileSync(new URL('./dpop_vectors.json', import.meta.url)));
const TOKEN_REQUEST = VECTORS.token_request;
const RESOURCE = VECTORS.resource_request;
const NOW = 1800000000;
const URL_ = 'https://api.example.com/orders';

function verifyResource(overrides = {}, proof = RESOURCE.proof) {
  return verifyDpopProof(proof, {
    method: RESOURCE.method, url: RESOURCE.url, accessToken: RESOURCE.access_token, now: RESOURCE.now,
    ...overrides,
  });
}

// refused asserts that verifyDpopProof throws a TokenError with `code` (and `detail`).
// (refusedAsync: that verifyDpopProofAsync rejects with one.)
async function refusedAsync(proof, options, code, detail) {
  await assert.rejects(verifyDpopProofAsync(proof, options), (e) => {
    assert.ok(e instanceof TokenError, `not a TokenError: ${e}`);
    assert.equal(e.code, code, e.message);
    if (detail !== undefined) assert.equal(e.detail, detail);
    return true;
  });
}

function refused(proof, options, code, detail) {
  assert.throws(() => verifyDpopProof(proof, options), (e) => {
    assert.ok(e instanceof TokenError, `not a TokenError: ${e}`);
    assert.equal(e.code, code, e.message);
    if (detail !== undefined) assert.equal(e.detail, detail);
    assert.ok(e.message.includes(e.detail));
    return true;
  });
}

// Our own proofs for the failure paths, signed with jose (the checks are the core's).
const ES256 = await jose.generateKeyPair('ES256', { extractable: true });
const JWK = await jose.exportJWK(ES256.publicKey);

async function proof(claims = {}, header = {}, key = ES256.privateKey) {
  return new jose.SignJWT({ jti: 'j-1', htm: 'GET', htu: URL_, iat: NOW, ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: JWK, ...header })
    .sign(key);
}

// tamper changes the proof's payload claims and keeps its signature.
function tamper(proof, claims) {
  const [h, p, s] = proof.split('.');
  const body = { ...JSON.parse(Buffer.from(p, 'base64url')), ...claims };
  return [h, Buffer.from(JSON.stringify(body)).toString('base64url'), s].join('.');
}

describe("RFC 9449's and RFC 7638's own examples", () => {
  test('figure 2: a token request proof', () => {
    const r = verifyDpopProof(TOKEN_REQUEST.proof, {
      method: TOKEN_REQUEST.method, url: TOKEN_REQUEST.url, now: TOKEN_REQUEST.now,
    });
    assert.deepEqual(r, { jkt: VECTORS.jkt, jti: TOKEN_REQUEST.jti, iat: TOKEN_REQUEST.iat, alg: 'ES256' });
  });

  test('figure 13: a resource request proof and its ath', () => {
    assert.equal(accessTokenHash(RESOURCE.access_token), RESOURCE.ath);
    assert.deepEqual(verifyResource(), { jkt: VECTORS.jkt, jti: RESOURCE.jti, iat: RESOURCE.iat, alg: 'ES256' });
    assert.equal(verifyResource({ url: 'HTTPS://Resource.Example.ORG:443/protectedresource?p=2' }).jkt, VECTORS.jkt);
    assert.equal(verifyResource({ now: new Date(RESOURCE.now * 1000) }).jti, RESOURCE.jti);
    const header = JSON.parse(Buffer.from(RESOURCE.proof.split('.')[0], 'base64url'));
    assert.equal(jwkThumbprint(header.jwk), VECTORS.jkt);
  });

  test('figure 13 refused for another request', () => {
    const base = { method: RESOURCE.method, url: RESOURCE.url, accessToken: RESOURCE.access_token, now: RESOURCE.now };
    for (const [overrides, detail] of [
      [{ method: 'POST' }, "the DPoP proof's htm is not the request's method"],
      [{ url: 'https://resource.example.org/other' }, "the DPoP proof's htu is not the request's URL"],
      [{ accessToken: 'another-token' }, "the DPoP proof's ath is not the hash of this access token"],
      [{ now: RESOURCE.now + 61 }, 'the DPoP proof is too old (its iat)'],
      [{ now: RESOURCE.now - 61 }, 'the DPoP proof is issued in the future (its iat)'],
    ]) {
      refused(RESOURCE.proof, { ...base, ...overrides }, 'invalid_dpop_proof', detail);
    }
    assert.equal(verifyResource({ now: RESOURCE.now + 65, leeway: 5 }).jti, RESOURCE.jti);
    assert.equal(verifyResource({ now: RESOURCE.now + 300, maxAge: 300 }).jti, RESOURCE.jti);
  });

  test("RFC 7638's example thumbprint", () => {
    const { jwk, thumbprint } = VECTORS.rfc7638;
    assert.equal(jwkThumbprint(jwk), thumbprint);
    assert.equal(jwkThumbprint(JSON.stringify(jwk)), thumbprint);
    for (const bad of [{ kty: 'oct', k: 'AAAA' }, { kty: 'RSA', e: 'AQAB' }, '[]', 'not json']) {
      assert.throws(() => jwkThumbprint(bad), /tokenwarden: /);
    }
    assert.throws(() => jwkThumbprint(3), TypeError);
  });
});

describe('every failure code', () => {
  const req = { method: 'GET', url: URL_, now: NOW };

  test('invalid_dpop_proof, one check at a time', async () => {
    assert.equal(verifyDpopProof(await proof(), req).jti, 'j-1');
    refused(await proof({}, { typ: 'JWT' }), req, 'invalid_dpop_proof', "the DPoP proof's typ is not dpop+jwt");
    refused(await proof(), { ...req, algorithms: ['ES384'] }, 'invalid_dpop_proof',
      "the DPoP proof's alg is not an allowed asymmetric algorithm");
    const hmac = await new jose.SignJWT({ jti: 'j', htm: 'GET', htu: URL_, iat: NOW })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: JWK })
      .sign(new Uint8Array(32).fill(7));
    refused(hmac, req, 'invalid_dpop_proof', "the DPoP proof's alg is not an allowed asymmetric algorithm");
    const privateJwk = await jose.exportJWK(ES256.privateKey);
    refused(await proof({}, { jwk: privateJwk }), req, 'invalid_dpop_proof', "the DPoP proof's jwk holds a private key");
    const other = await jose.generateKeyPair('ES256');
    refused(await proof({}, {}, other.privateKey), req, 'invalid_dpop_proof',
      "the DPoP proof's signature does not verify with its jwk");
    refused(await proof({ jti: '' }), req, 'invalid_dpop_proof', "the DPoP proof's jti is empty or longer than 256 bytes");
    refused(await proof({ iat: NOW - 61 }), req, 'invalid_dpop_proof', 'the DPoP proof is too old (its iat)');
    refused(await proof(), { ...req, accessToken: 'the-token' }, 'invalid_dpop_proof',
      'the DPoP proof lacks ath, the hash of the access token');
    for (const garbage of ['', 'a.b', 'a.b.c', (await proof()) + 'x'.repeat(9000)]) {
      refused(garbage, req, 'invalid_dpop_proof');
    }
  });

  test('use_dpop_nonce', async () => {
    refused(await proof(), { ...req, nonce: 'n-2' }, 'use_dpop_nonce', "the DPoP proof lacks the server's nonce");
    refused(await proof({ nonce: 'n-1' }), { ...req, nonce: 'n-2' }, 'use_dpop_nonce',
      "the DPoP proof's nonce is not the current one");
    assert.equal(verifyDpopProof(await proof({ nonce: 'n-2' }), { ...req, nonce: 'n-2' }).nonce, 'n-2');
    // Without an expected nonce the proof's is handed back, for the service to judge.
    assert.equal(verifyDpopProof(await proof({ nonce: 'n-9' }), req).nonce, 'n-9');
    assert.ok(!('nonce' in verifyDpopProof(await proof(), req)));
  });

  test('dpop_proof_replayed, and only accepted proofs spend their jti', async () => {
    const cache = new DpopReplayCache(1000);
    const ath = accessTokenHash('tok');
    const first = await proof({ ath });
    const withToken = { ...req, accessToken: 'tok', replayCache: cache };
    verifyDpopProof(first, withToken);
    assert.equal(cache.size, 1);
    refused(first, withToken, 'dpop_proof_replayed', "the DPoP proof's jti was used before");
    const second = await proof({ jti: 'j-2', ath });
    refused(second, { ...withToken, method: 'POST' }, 'invalid_dpop_proof');
    refused(second, { ...withToken, method: 'POST' }, 'invalid_dpop_proof');
    assert.equal(cache.size, 1);
    verifyDpopProof(second, withToken);
    refused(second, withToken, 'dpop_proof_replayed');
    // Without a cache, nothing is remembered.
    verifyDpopProof(first, { ...req, accessToken: 'tok' });
  });

  test('a full replay cache refuses rather than forget', async () => {
    const cache = new DpopReplayCache(1); // one proof per shard, 16 shards
    const proofs = await Promise.all(Array.from({ length: 17 }, (_, i) => proof({ jti: `j-${i}` })));
    assert.throws(() => {
      for (const p of proofs) verifyDpopProof(p, { ...req, replayCache: cache });
    }, (e) => e instanceof DpopReplayCacheFullError && e.code === 'ERR_DPOP_REPLAY_CACHE_FULL' && !(e instanceof TokenError));
  });

  test('arguments are checked', async () => {
    const ok = await proof();
    for (const [extra, type] of [
      [{ algorithms: ['HS256'] }, RangeError],
      [{ algorithms: ['none'] }, RangeError],
      [{ algorithms: [] }, RangeError],
      [{ algorithms: [1] }, TypeError],
      [{ leeway: 1.5 }, RangeError],
      [{ maxAge: -1 }, RangeError],
      [{ maxFuture: 86401 }, RangeError],
      [{ leeway: '5' }, TypeError],
      [{ now: NaN }, TypeError],
      [{ now: 1e300 }, RangeError],
      [{ accessToken: '' }, TypeError],
      [{ accessToken: 5 }, TypeError],
      [{ method: undefined }, TypeError],
      [{ replayCache: {} }, TypeError],
      [{ unknown: 1 }, TypeError],
    ]) {
      assert.throws(() => verifyDpopProof(ok, { ...req, ...extra }), type, JSON.stringify(extra));
    }
    assert.throws(() => verifyDpopProof(ok), TypeError);
    assert.throws(() => verifyDpopProof(Buffer.from(ok), req), TypeError);
    for (const [capacity, type] of [[0, RangeError], [2 ** 25, RangeError], [2.5, TypeError], ['9', TypeError]]) {
      assert.throws(() => new DpopReplayCache(capacity), type, String(capacity));
    }
    assert.equal(verifyDpopProof(ok, { ...req, algorithms: 'ES256' }).alg, 'ES256');
    // The native cache takes only its own objects, whatever the JS layer lets through.
    const native = createRequire(import.meta.url)('../lib/native.js');
    assert.throws(() => native.verifyDpopProof(ok, 'GET', URL_, undefined, undefined, NOW, undefined, 60, 60, 0,
      new native.Verifier({ jwks: JSON.stringify(JWK) })), TypeError);
  });
});

describe('the core codes in the typings and the jose mapping', () => {
  const read = (file) => readFileSync(new URL(file, import.meta.url), 'utf8');

  test("index.d.ts's ErrorCode lists every core code", () => {
    const union = /export type ErrorCode =([^;]*);/.exec(read('../index.d.ts'))[1];
    const typed = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
    assert.deepEqual(typed, [...ERROR_CODES]);
    assert.ok(ERROR_CODES.includes('certificate_mismatch'));
  });

  test('lib/jose.js maps every core code to a jose error class', () => {
    const source = read('../lib/jose.js');
    const body = source.slice(source.indexOf('function coreError'));
    const mapped = new Set([...body.matchAll(/case '([a-z_]+)':/g)].map((m) => m[1]));
    mapped.add('token_too_large'); // the default branch
    assert.deepEqual(ERROR_CODES.filter((c) => !mapped.has(c)), []);
  });

  test('jwtVerify still maps token failures as before', async () => {
    const key = await jose.generateKeyPair('ES256');
    const token = await new jose.SignJWT({ exp: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(key.privateKey);
    await assert.rejects(jwtVerify(token, key.publicKey), (e) => e instanceof errors.JWTExpired && e.twCode === 'expired');
  });
});

describe("proofs made by panva's dpop package", () => {
  // dpop 2.1 signs ES256, RS256, PS256 and Ed25519. Its Ed25519 proofs name the RFC 9864 alg
  // "Ed25519", which a proof's header may use for EdDSA (reported as "EdDSA").
  for (const alg of ['ES256', 'RS256', 'PS256', 'Ed25519']) {
    test(`${alg}: proofs for a token request and a resource request`, async () => {
      const keypair = await DPoP.generateKeyPair(alg);
      const jkt = await DPoP.calculateThumbprint(keypair.publicKey);
      const url = 'https://api.example.com/orders/42?expand=items#top';
      const token = 'eyJhbGciOiJFUzI1NiJ9.an-access-token.sig';
      const r = verifyDpopProof(await DPoP.generateProof(keypair, url, 'GET', undefined, token), {
        method: 'GET', url, accessToken: token,
      });
      assert.equal(r.alg, alg === 'Ed25519' ? 'EdDSA' : alg);
      assert.equal(r.jkt, jkt); // the library's own RFC 7638 thumbprint
      const jwk = await jose.exportJWK(keypair.publicKey);
      assert.equal(jwkThumbprint(jwk), jkt);
      const tokenRequest = await DPoP.generateProof(keypair, 'https://as.example.com/token', 'POST');
      assert.equal(verifyDpopProof(tokenRequest, { method: 'POST', url: 'https://as.example.com/token' }).jkt, jkt);
    });
  }

  test('nonce and replay', async () => {
    const keypair = await DPoP.generateKeyPair('ES256');
    const p = await DPoP.generateProof(keypair, URL_, 'DELETE', 'server-nonce-7', 'tok');
    const cache = new DpopReplayCache(64);
    const options = { method: 'DELETE', url: URL_, accessToken: 'tok', nonce: 'server-nonce-7', replayCache: cache };
    verifyDpopProof(p, options);
    refused(p, options, 'dpop_proof_replayed');
    refused(p, { ...options, nonce: 'server-nonce-8', replayCache: undefined }, 'use_dpop_nonce');
  });

  test('for another request, or tampered with, refused', async () => {
    const keypair = await DPoP.generateKeyPair('ES256');
    const p = await DPoP.generateProof(keypair, URL_, 'GET', undefined, 'tok');
    const req = { method: 'GET', url: URL_, accessToken: 'tok' };
    refused(p, { ...req, method: 'POST' }, 'invalid_dpop_proof', "the DPoP proof's htm is not the request's method");
    refused(p, { ...req, url: 'https://api.example.com/admin' }, 'invalid_dpop_proof',
      "the DPoP proof's htu is not the request's URL");
    refused(p, { ...req, accessToken: 'stolen-token' }, 'invalid_dpop_proof',
      "the DPoP proof's ath is not the hash of this access token");
    // Rewritten to fit another request: htm, htu and ath then match, the signature does not.
    const signatureFails = "the DPoP proof's signature does not verify with its jwk";
    refused(tamper(p, { htm: 'POST' }), { ...req, method: 'POST' }, 'invalid_dpop_proof', signatureFails);
    refused(tamper(p, { htu: 'https://api.example.com/admin' }), { ...req, url: 'https://api.example.com/admin' },
      'invalid_dpop_proof', signatureFails);
    refused(tamper(p, { ath: accessTokenHash('stolen-token') }), { ...req, accessToken: 'stolen-token' },
      'invalid_dpop_proof', signatureFails);
  });
});

describe('token binding (cnf): verify with what the request presented', () => {
  test('the binding rules, sync and async, on cache hits too', async () => {
    const key = await makeKey('ES256');
    const jkt = jwkThumbprint(JWK);
    const dpopBound = await mint(key, { cnf: { jkt } });
    const certBound = await mint(key, { cnf: { 'x5t#S256': 'cert-1' } });
    const bearer = await mint(key);
    const verifier = (extra = {}) => new Verifier({ jwks: { keys: [key.jwk] }, issuer: ISSUER, audience: AUDIENCE, ...extra });
    const code = async (v, token, options) => {
      let sync;
      assert.throws(() => v.verify(token, options), (e) => {
        assert.ok(e instanceof TokenError);
        sync = e.code;
        return true;
      });
      await assert.rejects(v.verifyAsync(token, options), (e) => e.code === sync);
      return sync;
    };

    // Off by default: judged only when the call presents a proof's jkt.
    const lenient = verifier();
    assert.deepEqual(lenient.verify(dpopBound).cnf, { jkt });
    assert.equal(lenient.verify(dpopBound, { dpopJkt: jkt }).sub, 'user-1');
    assert.equal(await code(lenient, dpopBound, { dpopJkt: 'another-key' }), 'dpop_key_mismatch');
    assert.equal(await code(lenient, bearer, { dpopJkt: jkt }), 'dpop_key_mismatch');

    const strict = verifier({ checkBinding: true });
    assert.equal(strict.verify(bearer).sub, 'user-1');
    assert.equal(await code(strict, dpopBound), 'proof_of_possession_required');
    assert.equal(await code(strict, dpopBound, {}), 'proof_of_possession_required'); // a cache hit
    assert.equal(strict.verify(dpopBound, { dpopJkt: jkt }).sub, 'user-1');
    assert.equal((await strict.verifyAsync(dpopBound, { dpopJkt: jkt, complete: true })).payload.cnf.jkt, jkt);
    assert.equal(await code(strict, certBound), 'proof_of_possession_required');
    assert.equal(await code(strict, certBound, { certificateThumbprint: 'cert-2' }), 'certificate_mismatch');
    assert.equal(strict.verify(certBound, { certificateThumbprint: 'cert-1' }).sub, 'user-1');

    const dpopOnly = verifier({ dpopRequired: true });
    assert.equal(await code(dpopOnly, bearer), 'proof_of_possession_required');
    assert.equal(dpopOnly.verify(dpopBound, { dpopJkt: jkt }).sub, 'user-1');

    assert.throws(() => strict.verify(dpopBound, { dpopJkt: '' }), TypeError);
    assert.throws(() => strict.verify(dpopBound, { certificateThumbprint: 7 }), TypeError);
    await assert.rejects(strict.verifyAsync(dpopBound, { dpopJkt: 1 }), TypeError);
    assert.throws(() => verifier({ checkBinding: 'yes' }), TypeError);
  });

  test("a resource server's flow: the proof, then its token with the proof's jkt", async () => {
    const key = await makeKey('ES256');
    const keypair = await DPoP.generateKeyPair('ES256');
    const jkt = await DPoP.calculateThumbprint(keypair.publicKey);
    const token = await mint(key, { cnf: { jkt } });
    const v = new Verifier({ jwks: { keys: [key.jwk] }, issuer: ISSUER, audience: AUDIENCE, checkBinding: true });
    const proof = await DPoP.generateProof(keypair, URL_, 'GET', undefined, token);
    const checked = verifyDpopProof(proof, { method: 'GET', url: URL_, accessToken: token });
    assert.equal(v.verify(token, { dpopJkt: checked.jkt }).cnf.jkt, jkt);
    // A thief's own key: its proof verifies, the token's binding does not.
    const thief = await DPoP.generateKeyPair('ES256');
    const stolen = verifyDpopProof(await DPoP.generateProof(thief, URL_, 'GET', undefined, token), {
      method: 'GET', url: URL_, accessToken: token,
    });
    assert.throws(() => v.verify(token, { dpopJkt: stolen.jkt }), (e) => e.code === 'dpop_key_mismatch');
    assert.throws(() => v.verify(token), (e) => e.code === 'proof_of_possession_required');
  });
});

describe('verifyDpopProofAsync: the same verdicts on the thread pool', () => {
  const req = { method: 'GET', url: URL_, now: NOW };

  test("RFC 9449's proof, each failure code, argument errors as rejections", async () => {
    const r = await verifyDpopProofAsync(RESOURCE.proof, {
      method: RESOURCE.method, url: RESOURCE.url, accessToken: RESOURCE.access_token, now: RESOURCE.now,
    });
    assert.deepEqual(r, verifyResource());
    await refusedAsync(RESOURCE.proof, { method: 'POST', url: RESOURCE.url, now: RESOURCE.now }, 'invalid_dpop_proof',
      "the DPoP proof's htm is not the request's method");
    await refusedAsync(await proof(), { ...req, nonce: 'n' }, 'use_dpop_nonce');
    const cache = new DpopReplayCache(10);
    await verifyDpopProofAsync(await proof(), { ...req, replayCache: cache });
    await refusedAsync(await proof(), { ...req, replayCache: cache }, 'dpop_proof_replayed');
    await assert.rejects(verifyDpopProofAsync(await proof(), { ...req, leeway: 0.5 }), RangeError);
    await assert.rejects(verifyDpopProofAsync(42, req), TypeError);
  });

  test('concurrent checks of one proof with one cache: exactly one is accepted', async () => {
    const cache = new DpopReplayCache(1000);
    const proofs = await Promise.all(Array.from({ length: 20 }, (_, i) => proof({ jti: `c-${i}` })));
    const attempts = proofs.flatMap((p) => Array.from({ length: 4 }, () => p));
    const settled = await Promise.allSettled(attempts.map((p) => verifyDpopProofAsync(p, { ...req, replayCache: cache })));
    const accepted = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.jti);
    assert.deepEqual(accepted.sort(), proofs.map((_, i) => `c-${i}`).sort());
    assert.ok(settled.filter((s) => s.status === 'rejected').every((s) => s.reason.code === 'dpop_proof_replayed'));
    assert.equal(cache.size, 20);
  });
});
