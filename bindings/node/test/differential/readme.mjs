// readme.mjs writes the differential's allow-list (allow.json) into README.md as the list of
// verdicts that differ from jose, between two markers, so the documentation and the measured
// behaviour cannot drift apart. differential.test.mjs fails when README.md's section is not
// what this script would write.
//
//   node test/differential/readme.mjs           rewrites the section of bindings/node/README.md
//   node test/differential/readme.mjs --check   exits 1 when the section is out of date
import { readFileSync, writeFileSync } from 'node:fs';

export const README = new URL('../../README.md', import.meta.url);
export const BEGIN = '<!-- differences-from-jose: generated from test/differential/allow.json by test/differential/readme.mjs; do not edit -->';
export const END = '<!-- end of differences-from-jose -->';

const verdict = (v) => (v === 'accept' ? 'accepts' : `\`${v}\``);

// renderDifferences is the markdown list for the allow-list's entries, in its order.
export function renderDifferences(entries) {
  const lines = entries.map((a) => {
    const who = a.accepts === 'jose'
      ? 'jose accepts such a token (unless it finds another defect), tokenwarden/jose rejects it'
      : 'both reject, with different errors';
    const forms = a.forms === undefined ? '' : ` (key forms: ${a.forms.join(', ')})`;
    return `- \`${a.id}\`: ${who}${forms}. ${a.why} jose: ${a.jose.map(verdict).join(', ')}; ` +
      `tokenwarden/jose: ${a.ours.map(verdict).join(', ')}.`;
  });
  return `${BEGIN}\n${lines.join('\n')}\n${END}`;
}

// rewrite is `readme` with its marked section replaced by `section`; throws when the markers
// are missing.
export function rewrite(readme, section) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no section between ${BEGIN} and ${END}`);
  return readme.slice(0, start) + section + readme.slice(end + END.length);
}

export const allowEntries = () => JSON.parse(readFileSync(new URL('./allow.json', import.meta.url))).differences;

if (import.meta.url === `file://${process.argv[1]}`) {
  const current = readFileSync(README, 'utf8');
  const wanted = rewrite(current, renderDifferences(allowEntries()));
  if (process.argv.includes('--check')) {
    if (wanted !== current) {
      console.error('bindings/node/README.md: the differences from jose are out of date; run node test/differential/readme.mjs');
      process.exitCode = 1;
    }
  } else if (wanted !== current) {
    writeFileSync(README, wanted);
    console.log('bindings/node/README.md: differences from jose rewritten');
  }
}
