// cases(seed) is the differential's whole, deterministic case list: every mutation of
// mutations.mjs for every algorithm it applies to, PER_PAIR times with fresh draws.
import { ALGS, build, draft, rng } from './generate.mjs';
import { MUTATIONS } from './mutations.mjs';

export const PER_PAIR = 4;

// Each case: {n, category (the mutation's, unless it names another), variant, alg, token,
// options, forms}. `forms` names the key forms it is checked against (run.mjs): "set" (each
// library's createLocalJWKSet; for HS* a set holding an oct member, which neither may use)
// and one single-key form, "key" (KeyObject, or Uint8Array secret) or "jwk", at random.
export function cases(seed, perPair = PER_PAIR) {
  const r = rng(seed);
  const out = [];
  for (const m of MUTATIONS) {
    for (const alg of Object.keys(ALGS)) {
      if (m.applies !== undefined && !m.applies(alg)) continue;
      for (let i = 0; i < perPair; i++) {
        const d = draft(r, alg);
        const variant = m.apply(r, d);
        const token = build(d);
        const single = r.chance(0.5) ? 'key' : 'jwk';
        out.push({ n: out.length, category: d.category ?? m.id, variant, alg, token, options: d.options, forms: ['set', single] });
      }
    }
  }
  return out;
}
