// tokenwarden's Node binding against jose, jsonwebtoken and fast-jwt on the same distinct tokens.
//
//   node bench/compare.mjs [--seconds S] [--runs N] [--algs A,B] [--rows tw-cold,jose]
//                          [--json OUT]                                  (from bindings/node)
//
// Input: bench/make_distinct.py's token sets (build/bench/distinct/<alg>.jwts: 1,000 distinct
// tokens per algorithm, signed with the keys of bench/fixtures), validated round-robin; the
// first token alone, repeated, is the secondary "single token" row. Every implementation
// checks the signature, alg, exp, iss and aud, and is used as its documentation recommends:
//   tokenwarden  Verifier.verify with cache: 0 (cold; the headline) and with its cache (every
//                token already cached: hits), also with sharedPayloads (one frozen object per
//                token, fast-jwt's cache contract); verifyAsync (cold) with WINDOW in flight
//   jose         jwtVerify with a key imported once (importSPKI; the secret as a Uint8Array),
//                awaited one call at a time; and WINDOW calls at a time (Promise.all batches)
//   jsonwebtoken verify with a KeyObject made once (crypto.createPublicKey/createSecretKey),
//                not a PEM string parsed again on every call (it has no EdDSA)
//   fast-jwt     createVerifier once, with its cache off and on (on: hits, as tokenwarden's)
// Sequential rows are calls per second of this process's CPU time (the median of --runs runs
// of --seconds each): on a shared machine, time spent waiting for a core is nobody's cost.
// The concurrent rows are calls per wall-clock second, since using the thread pool's other
// cores is their point. Prints a markdown table; --json writes every figure.
import { createPublicKey, createSecretKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createVerifier } from 'fast-jwt';
import { Verifier } from '../lib/index.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = path.join(ROOT, 'bench', 'fixtures');
const DISTINCT = path.join(ROOT, 'build', 'bench', 'distinct');
const WINDOW = 32;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    algs: { type: 'string', default: 'RS256,ES256,EdDSA,HS256' },
    json: { type: 'string' },
    rows: { type: 'string' },
  },
});
const WANTED = opts.rows === undefined ? null : new Set(opts.rows.split(','));
const SECONDS = Number(opts.seconds);
const RUNS = Number(opts.runs);

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const wallSeconds = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// measure: calls per second of `clock`, the median of RUNS runs of SECONDS each; step() makes
// one chunk of calls (synchronously or not) and returns how many.
async function measure(clock, step) {
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    let done = 0;
    const t0 = clock();
    for (;;) {
      done += await step();
      const dt = clock() - t0;
      if (dt >= SECONDS) {
        rates.push(done / dt);
        break;
      }
    }
  }
  return median(rates);
}

function roundRobin(tokens) {
  let i = 0;
  return () => {
    const token = tokens[i];
    if (++i === tokens.length) i = 0;
    return token;
  };
}

// measureSync: fn called back to back, per CPU second.
function measureSync(fn, tokens) {
  const next = roundRobin(tokens);
  return measure(cpuSeconds, () => {
    for (let k = 0; k < 256; k++) fn(next());
    return 256;
  });
}

// measureAwaited: a Promise API, one call awaited at a time, per CPU second.
function measureAwaited(fn, tokens) {
  const next = roundRobin(tokens);
  return measure(cpuSeconds, async () => {
    for (let k = 0; k < 64; k++) await fn(next());
    return 64;
  });
}

// measureConcurrent: WINDOW calls in flight (Promise.all batches), per wall second.
function measureConcurrent(fn, tokens) {
  const next = roundRobin(tokens);
  return measure(wallSeconds, async () => {
    await Promise.all(Array.from({ length: WINDOW }, () => fn(next())));
    return WINDOW;
  });
}

// ROWS: [id, label, kind]; kind says how it is timed.
const ROWS = [
  ['tw-cold', 'tokenwarden verify, cold (cache: 0)', 'sync'],
  ['tw-cold-single', 'tokenwarden verify, cold, single token', 'sync-single'],
  ['tw-cached', 'tokenwarden verify, cached (hits)', 'sync'],
  ['tw-shared', 'tokenwarden verify, cached, sharedPayloads (hits)', 'sync'],
  ['tw-async', `tokenwarden verifyAsync, cold, ${WINDOW} in flight (wall)`, 'concurrent'],
  ['jose', 'jose jwtVerify, awaited one at a time', 'awaited'],
  ['jose-concurrent', `jose jwtVerify, ${WINDOW} in flight (wall)`, 'concurrent'],
  ['jsonwebtoken', 'jsonwebtoken verify (KeyObject)', 'sync'],
  ['fast-jwt', 'fast-jwt (no cache)', 'sync'],
  ['fast-jwt-cache', 'fast-jwt (cache: true; hits)', 'sync'],
];

async function implementations(alg, manifest, entry) {
  const { iss, aud } = manifest;
  const jwks = fs.readFileSync(path.join(FIXTURES, manifest.jwks), 'utf8');
  const raw = fs.readFileSync(path.join(FIXTURES, entry.key));
  const secret = entry.key_format === 'raw';
  const opts = { issuer: iss, audience: aud, algorithms: [alg] };
  const cold = new Verifier({ jwks, ...opts, cache: 0 });
  const cached = new Verifier({ jwks, ...opts });
  const shared = new Verifier({ jwks, ...opts, sharedPayloads: true });
  const joseKey = secret ? new Uint8Array(raw) : await jose.importSPKI(raw.toString('utf8'), alg);
  const keyObject = secret ? createSecretKey(raw) : createPublicKey(raw);
  const fastOpts = { key: secret ? raw : raw.toString('utf8'), algorithms: [alg], allowedIss: iss,
    allowedAud: aud };
  const fast = createVerifier(fastOpts);
  const fastCached = createVerifier({ ...fastOpts, cache: true });
  const joseVerify = async (t) => (await jose.jwtVerify(t, joseKey, opts)).payload;
  return {
    'tw-cold': (t) => cold.verify(t),
    'tw-cold-single': (t) => cold.verify(t),
    'tw-cached': (t) => cached.verify(t),
    'tw-shared': (t) => shared.verify(t),
    'tw-async': (t) => cold.verifyAsync(t),
    jose: joseVerify,
    'jose-concurrent': joseVerify,
    // jsonwebtoken 9 has no EdDSA.
    jsonwebtoken: alg === 'EdDSA' ? null : (t) => jsonwebtoken.verify(t, keyObject, opts),
    'fast-jwt': (t) => fast(t),
    'fast-jwt-cache': (t) => fastCached(t),
  };
}

async function measureAlg(alg) {
  const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8'));
  const file = path.join(DISTINCT, `${alg.toLowerCase()}.jwts`);
  if (!fs.existsSync(file)) throw new Error(`compare: ${file} is missing: run bench/make_distinct.py`);
  const tokens = fs.readFileSync(file, 'utf8').trim().split('\n');
  const fns = await implementations(alg, manifest, manifest.algs[alg]);
  const out = {};
  for (const [id, , kind] of ROWS) {
    if (WANTED !== null && !WANTED.has(id)) continue;
    const fn = fns[id];
    if (fn === null) {
      out[id] = null;
      continue;
    }
    // Every implementation must accept every token; this pass also fills the caches.
    for (const t of tokens) {
      const payload = await fn(t);
      if (typeof payload?.jti !== 'string') throw new Error(`${id} ${alg}: ${JSON.stringify(payload)}`);
    }
    const set = kind === 'sync-single' ? tokens.slice(0, 1) : tokens;
    const measureKind = { sync: measureSync, 'sync-single': measureSync, awaited: measureAwaited,
      concurrent: measureConcurrent }[kind];
    out[id] = Math.round(await measureKind(fn, set));
    process.stderr.write(`compare: ${alg} ${id}: ${out[id]}/s\n`);
  }
  return out;
}

const algs = opts.algs.split(',').filter(Boolean);
const results = {};
for (const alg of algs) results[alg] = await measureAlg(alg);

const pkg = (name) => JSON.parse(fs.readFileSync(new URL(`../node_modules/${name}/package.json`,
  import.meta.url), 'utf8')).version;
const doc = {
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  versions: { jose: pkg('jose'), jsonwebtoken: pkg('jsonwebtoken'), 'fast-jwt': pkg('fast-jwt') },
  secondsPerRun: SECONDS,
  runs: RUNS,
  window: WINDOW,
  rows: Object.fromEntries(ROWS.map(([id, label]) => [id, label])),
  opsPerSecond: results,
};
if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);

const fmt = (n) => (n === null ? 'unsupported' : n.toLocaleString('en-US'));
console.log(`| implementation | ${algs.join(' | ')} |`);
console.log(`|---|${algs.map(() => '---:').join('|')}|`);
for (const [id, label] of ROWS) {
  if (id in results[algs[0]]) console.log(`| ${label} | ${algs.map((a) => fmt(results[a][id])).join(' | ')} |`);
}
