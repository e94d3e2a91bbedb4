// Runs the differential: each case of cases.mjs through jose's jwtVerify and the binding's,
// with identical arguments, on each of its key forms; then sorts every disagreement into
// the allow-list (allow.json) or not.
//
//   node test/differential/run.mjs [--seed N] [--per-pair N] [--all]
// prints the disagreements grouped by allow-list entry, category, key form and verdicts, with
// the first cases of each group that allow.json does not list (of every group with --all),
// and exits 1 when there is such a group. differential.test.mjs runs the default seed and
// case count under node:test, where an allow-list entry no case needs fails too.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import * as jose from 'jose';

import * as tw from '../../lib/jose.mjs';
import { cases } from './cases.mjs';
import { DEFAULT_SEED, KEY_SETS, SINGLE_KEYS, isHmac } from './generate.mjs';

export const ALLOW = JSON.parse(readFileSync(new URL('./allow.json', import.meta.url))).differences;

// Each library gets its own createLocalJWKSet over the same JWK Set, made once.
const SETS = {
  jose: { asymmetric: jose.createLocalJWKSet(KEY_SETS.asymmetric), withOct: jose.createLocalJWKSet(KEY_SETS.withOct) },
  tw: { asymmetric: tw.createLocalJWKSet(KEY_SETS.asymmetric), withOct: tw.createLocalJWKSet(KEY_SETS.withOct) },
};

function keyFor(side, form, alg) {
  if (form === 'set') return SETS[side][isHmac(alg) ? 'withOct' : 'asymmetric'];
  return SINGLE_KEYS[alg][form];
}

// outcome is "accept" with the result, or the error's code (its name when it has none, e.g.
// jose's TypeError for a key that does not fit the alg).
async function outcome(verify, token, key, options) {
  try {
    const { payload, protectedHeader } = await verify(token, key, options);
    return { verdict: 'accept', payload, protectedHeader };
  } catch (e) {
    return { verdict: typeof e?.code === 'string' ? e.code : e?.name ?? String(e), message: String(e?.message).slice(0, 120), twCode: e?.twCode };
  }
}

// compare runs one case on one key form: null when both agree, else the disagreement.
export async function compare(c, form) {
  const theirs = await outcome(jose.jwtVerify, c.token, keyFor('jose', form, c.alg), c.options);
  const ours = await outcome(tw.jwtVerify, c.token, keyFor('tw', form, c.alg), c.options);
  if (theirs.verdict === ours.verdict) {
    if (ours.verdict !== 'accept') return null;
    if (isDeepStrictEqual(theirs.payload, ours.payload) && isDeepStrictEqual(theirs.protectedHeader, ours.protectedHeader)) {
      return null;
    }
    ours.verdict = 'accept with a different result';
  }
  return { case: c, form, jose: theirs, ours };
}

// allowedBy is the allow-list entry that covers disagreement `d`, or undefined. An entry
// covers a category (on some key forms, or all) with listed verdicts of jose and of ours; it
// can never cover our accepting what jose rejects (validateAllowList refuses such entries).
export function allowedBy(d) {
  return ALLOW.find((a) => a.categories.includes(d.case.category) && (a.forms === undefined || a.forms.includes(d.form)) &&
    a.jose.includes(d.jose.verdict) && a.ours.includes(d.ours.verdict));
}

// validateAllowList returns the problems with allow.json: each entry needs an id, known
// categories, the verdicts of both sides, which side accepts (jose's list holds "accept"
// exactly when that is "jose") and a reason. "accept" is never ours to have.
export function validateAllowList(known) {
  const problems = [];
  const ids = new Set();
  for (const a of ALLOW) {
    const where = `allow.json entry ${JSON.stringify(a.id)}`;
    if (typeof a.id !== 'string' || ids.has(a.id)) problems.push(`${where}: id missing or repeated`);
    ids.add(a.id);
    if (!Array.isArray(a.categories) || a.categories.length === 0) problems.push(`${where}: no categories`);
    for (const c of a.categories ?? []) if (!known.has(c)) problems.push(`${where}: unknown category ${c}`);
    if (!Array.isArray(a.jose) || !Array.isArray(a.ours)) problems.push(`${where}: needs "jose" and "ours" verdict lists`);
    if ((a.ours ?? []).some((v) => v.startsWith('accept'))) {
      problems.push(`${where}: lists an accept of ours where jose rejects; those are never allowed, fix the binding`);
    }
    if (!['jose', 'neither'].includes(a.accepts) || (a.accepts === 'jose') !== (a.jose ?? []).includes('accept')) {
      problems.push(`${where}: "accepts" must be "jose" exactly when jose's verdicts include "accept", else "neither"`);
    }
    if (typeof a.why !== 'string' || a.why.length < 20) problems.push(`${where}: needs a reason ("why")`);
  }
  return problems;
}

// runAll checks every case on each of its key forms and returns
// {total, checks, disagreements: [{..., allow}], unused: [allow-list ids never matched]}.
export async function runAll(seed = DEFAULT_SEED, perPair = undefined) {
  const list = cases(seed, perPair);
  const disagreements = [];
  const validAccepted = {}; // alg -> checks of its unmutated tokens that both accepted
  let checks = 0;
  for (const c of list) {
    for (const form of c.forms) {
      checks++;
      const d = await compare(c, form);
      if (d !== null) disagreements.push({ ...d, allow: allowedBy(d) });
      else if (c.category === 'valid') validAccepted[c.alg] = (validAccepted[c.alg] ?? 0) + 1;
    }
  }
  const used = new Set(disagreements.map((d) => d.allow?.id));
  return {
    total: list.length, checks, disagreements, validAccepted, categories: new Set(list.map((c) => c.category)),
    unused: ALLOW.filter((a) => !used.has(a.id)).map((a) => a.id),
  };
}

// describeDisagreement is one line for a report: never a whole token (they can be 24 KB),
// only its case number, category, variant and both verdicts.
export function describeDisagreement(d) {
  const { n, category, variant, alg } = d.case;
  const why = (o) => (o.verdict === 'accept' ? 'accept' : `${o.verdict} (${o.message}${o.twCode ? `; twCode ${o.twCode}` : ''})`);
  return `#${n} ${category} [${variant}] ${alg}/${d.form}: jose ${why(d.jose)} | ours ${why(d.ours)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, 'per-pair': { type: 'string' }, all: { type: 'boolean' } } });
  const started = Date.now();
  const result = await runAll(Number(values.seed ?? DEFAULT_SEED), values['per-pair'] && Number(values['per-pair']));
  const groups = new Map();
  for (const d of result.disagreements) {
    const key = `${d.allow ? `allowed by ${d.allow.id}` : 'NOT ALLOWED'}: ${d.case.category} ${d.form === 'set' ? 'set' : 'single'} jose=${d.jose.verdict} ours=${d.ours.verdict}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  for (const [key, list] of [...groups].sort()) {
    console.log(`${key} (${list.length})`);
    if (values.all || !key.startsWith('allowed')) {
      for (const d of list.slice(0, 3)) console.log(`    ${describeDisagreement(d)}`);
    }
  }
  const bad = result.disagreements.filter((d) => !d.allow).length;
  console.log(`${result.total} cases, ${result.checks} checks, ${result.disagreements.length} disagreements (${bad} not allowed), unused allow-list entries: ${result.unused.join(', ') || 'none'}; ${Date.now() - started} ms`);
  process.exitCode = bad > 0 ? 1 : 0;
}
