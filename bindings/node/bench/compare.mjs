// Compares JWT verification throughput on the same RS256 / ES256 / HS256 tokens:
//   tokenwarden Verifier.verify, cold (cache: 0) and cached (default cache)
//   tokenwarden Verifier.verifyAsync and jwtVerify (jose API) — for reference
//   jose jwtVerify with a pre-imported key
//   jsonwebtoken verify
//   fast-jwt createVerifier, without and with its cache (cache: true)
// Every implementation checks the signature, exp, iss, aud and the algorithm. Sync APIs run
// in a tight loop on one thread; Promise APIs keep WINDOW calls in flight (their best case:
// jose's WebCrypto verify runs on the libuv pool).
//
//   node bench/compare.mjs [seconds-per-measurement=1]      (from bindings/node)
// Prints a JSON object, then a markdown table.
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import os from 'node:os';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createVerifier } from 'fast-jwt';
import { Verifier, jwtVerify as twJwtVerify } from '../lib/index.mjs';

const SECONDS = Number(process.argv[2] ?? 1);
const WINDOW = 32;
const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'api://orders';
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-8f14e45f-ceea-467f-a0e6-c1b2e3d4a5f6',
  scope: 'orders:read orders:write profile',
  email: 'jane.doe@example.com',
  name: 'Jane Doe',
  roles: ['admin', 'billing'],
  iat: now,
  exp: now + 3600,
  jti: '5c2d6a0e-1b7f-4a8e-9d3c-7e6f5a4b3c2d',
};

async function fixture(alg) {
  if (alg === 'HS256') {
    const secret = randomBytes(32);
    const key = createSecretKey(secret);
    return { alg, sign: key, verify: key, pem: secret, jwk: { kty: 'oct', k: secret.toString('base64url'), alg, kid: 'k1' } };
  }
  const { publicKey, privateKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    alg,
    sign: privateKey,
    verify: publicKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }),
    jwk: { ...publicKey.export({ format: 'jwk' }), alg, kid: 'k1' },
  };
}

// measureSync runs fn in chunks until SECONDS have passed; returns ops/s.
function measureSync(fn) {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let ops = 0;
  let chunk = 64;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(SECONDS * 1e9));
  for (;;) {
    for (let i = 0; i < chunk; i++) fn();
    ops += chunk;
    const dt = process.hrtime.bigint() - t0;
    if (dt >= limit) return ops / (Number(dt) / 1e9);
    if (chunk < 16384) chunk *= 2;
  }
}

// measureAsync keeps WINDOW promises in flight until SECONDS have passed; returns ops/s.
async function measureAsync(fn) {
  for (let i = 0; i < 100; i++) await fn();
  let ops = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(SECONDS * 1e9));
  let done = false;
  const lane = async () => {
    while (!done) {
      await fn();
      ops++;
      if (process.hrtime.bigint() - t0 >= limit) done = true;
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  return ops / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const IMPLS = [
  ['tokenwarden verify (cold, cache: 0)', 'tw-cold', 'sync'],
  ['tokenwarden verify (cached)', 'tw-cached', 'sync'],
  ['tokenwarden verify (cached, sharedPayloads)', 'tw-shared', 'sync'],
  ['tokenwarden verifyAsync (cold)', 'tw-async-cold', 'async'],
  ['tokenwarden jwtVerify (jose API, cached)', 'tw-jose', 'async'],
  ['jose jwtVerify', 'jose', 'async'],
  ['jsonwebtoken verify', 'jsonwebtoken', 'sync'],
  ['fast-jwt createVerifier', 'fast-jwt', 'sync'],
  ['fast-jwt createVerifier (cache: true)', 'fast-jwt-cache', 'sync'],
];

async function setup(f, token) {
  const opts = { issuer: ISSUER, audience: AUDIENCE, algorithms: [f.alg] };
  const twCold = new Verifier({ jwks: f.jwk, ...opts, cache: 0 });
  const twCached = new Verifier({ jwks: f.jwk, ...opts });
  const twShared = new Verifier({ jwks: f.jwk, ...opts, sharedPayloads: true });
  const joseKey = f.alg === 'HS256' ? new Uint8Array(f.pem) : await jose.importJWK(f.jwk, f.alg);
  const fastOpts = { key: f.pem, algorithms: [f.alg], allowedIss: ISSUER, allowedAud: AUDIENCE };
  const fast = createVerifier(fastOpts);
  const fastCached = createVerifier({ ...fastOpts, cache: true });
  return {
    'tw-cold': () => twCold.verify(token),
    'tw-cached': () => twCached.verify(token),
    'tw-shared': () => twShared.verify(token),
    'tw-async-cold': () => twCold.verifyAsync(token),
    'tw-jose': () => twJwtVerify(token, f.jwk, opts),
    jose: () => jose.jwtVerify(token, joseKey, opts),
    jsonwebtoken: () => jsonwebtoken.verify(token, f.pem, opts),
    'fast-jwt': () => fast(token),
    'fast-jwt-cache': () => fastCached(token),
  };
}

const results = {};
const tokenBytes = {};
for (const alg of ['RS256', 'ES256', 'HS256']) {
  const f = await fixture(alg);
  const token = await new jose.SignJWT(claims).setProtectedHeader({ alg, kid: 'k1', typ: 'JWT' }).sign(f.sign);
  tokenBytes[alg] = token.length;
  const fns = await setup(f, token);
  results[alg] = {};
  for (const [, id, kind] of IMPLS) {
    const fn = fns[id];
    const check = await fn(); // every implementation must accept the token
    const sub = check.sub ?? check.payload?.sub;
    if (sub !== claims.sub) throw new Error(`${id} ${alg}: unexpected result ${JSON.stringify(check)}`);
    results[alg][id] = Math.round(kind === 'sync' ? measureSync(fn) : await measureAsync(fn));
    process.stderr.write(`${alg} ${id}: ${results[alg][id]} ops/s\n`);
  }
}

// Ratios: tokenwarden over each other implementation; fast-jwt's cached verifier (which
// returns one shared object per token) against tokenwarden cached with sharedPayloads (the
// same contract, frozen) and against the default fresh-object path; the uncached ones
// against tokenwarden cold.
const ratios = {};
for (const [alg, r] of Object.entries(results)) {
  ratios[alg] = {};
  for (const [id, ops] of Object.entries(r)) {
    if (id.startsWith('tw-')) continue;
    ratios[alg][id] = Number(((id === 'fast-jwt-cache' ? r['tw-shared'] : r['tw-cold']) / ops).toFixed(2));
  }
  ratios[alg]['fast-jwt-cache (vs fresh objects)'] = Number((r['tw-cached'] / r['fast-jwt-cache']).toFixed(2));
}

const out = {
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  secondsPerMeasurement: SECONDS,
  asyncWindow: WINDOW,
  tokenBytes,
  opsPerSecond: results,
  tokenwardenSpeedup: ratios,
};
console.log(JSON.stringify(out, null, 2));

const fmt = (n) => n.toLocaleString('en-US');
const algs = Object.keys(results);
console.log(`\n| implementation | ${algs.map((a) => `${a} ops/s | ${a} tw ×`).join(' | ')} |`);
console.log(`|---|${algs.map(() => '---:|---:').join('|')}|`);
for (const [name, id] of IMPLS) {
  console.log(`| ${name} | ${algs.map((a) => `${fmt(results[a][id])} | ${ratios[a][id] ?? '—'}`).join(' | ')} |`);
}
console.log('\n"tw ×" = tokenwarden ops/s ÷ this row: fast-jwt (cache: true) vs tokenwarden cached with sharedPayloads (both return one object per token), the rest vs tokenwarden cold.');
