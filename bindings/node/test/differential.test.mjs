// The jose differential (issue 19): a few thousand tokens from a seeded generator (valid ones
// for every algorithm both support, and mutations of them), each verified by jose's jwtVerify
// and by ours with identical arguments, against a key set (each library's createLocalJWKSet)
// and a single key. Outcomes must match: accept with the same payload and protectedHeader, or
// reject with the same error code, except where test/differential/allow.json lists the
// difference; ours accepting what jose rejects is never allowed. The README's list of
// differences is generated from allow.json. Details: test/differential/run.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { cases } from './differential/cases.mjs';
import { ALGS, DEFAULT_SEED } from './differential/generate.mjs';
import { MUTATIONS } from './differential/mutations.mjs';
import { describeDisagreement, runAll, validateAllowList } from './differential/run.mjs';
import { README, allowEntries, renderDifferences, rewrite } from './differential/readme.mjs';

const started = Date.now();
const result = await runAll();
const seconds = (Date.now() - started) / 1000;

const list = (ds) => ds.slice(0, 20).map(describeDisagreement).join('\n') + (ds.length > 20 ? `\n... and ${ds.length - 20} more` : '');

describe('differential against jose.jwtVerify', () => {
  test('ran a few thousand cases over every mutation and algorithm', (t) => {
    t.diagnostic(`${result.total} cases, ${result.checks} checks, ${result.disagreements.length} listed differences, ${seconds.toFixed(1)} s`);
    assert.ok(result.total >= 2000, `only ${result.total} cases`);
    for (const m of MUTATIONS) assert.ok(result.categories.has(m.id), `no case of ${m.id}`);
    // Unmutated tokens: both accept with equal results, for each algorithm and key form.
    for (const alg of Object.keys(ALGS)) {
      assert.ok((result.validAccepted[alg] ?? 0) >= 4, `${alg}: valid tokens were not accepted by both`);
    }
  });

  test('the generator is deterministic: one seed, one list of cases', () => {
    // PS*/ES* signatures are randomized by the signer; every other byte follows the seed.
    const [a, b] = [cases(DEFAULT_SEED, 1), cases(DEFAULT_SEED, 1)];
    const shape = (c) => JSON.stringify([c.category, c.variant, c.alg, c.options, c.forms, /^(PS|ES)/.test(c.alg) ? '' : c.token]);
    assert.deepEqual(a.map(shape), b.map(shape));
    assert.notDeepEqual(cases(DEFAULT_SEED + 1, 1).map(shape), a.map(shape));
  });

  test('allow.json is well-formed', () => {
    assert.deepEqual(validateAllowList(new Set(MUTATIONS.map((m) => m.id))), []);
  });

  test('tokenwarden/jose never accepts a token jose rejects', () => {
    const bad = result.disagreements.filter((d) => d.ours.verdict.startsWith('accept'));
    assert.equal(bad.length, 0, `ours accepted, jose did not:\n${list(bad)}`);
  });

  test('every other disagreement is listed in allow.json', () => {
    const bad = result.disagreements.filter((d) => d.allow === undefined);
    assert.equal(bad.length, 0, `fix the binding (with a regression test) or list the difference:\n${list(bad)}`);
  });

  test('every allow.json entry is still needed', () => {
    assert.deepEqual(result.unused, [], 'no case disagrees this way any more: remove the entry (and rerun readme.mjs)');
  });

  test("the README's differences are generated from allow.json", () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(rewrite(readme, renderDifferences(allowEntries())), readme,
      'bindings/node/README.md is out of date: run node test/differential/readme.mjs');
  });
});
