// The differential's mutations: each turns a valid draft (generate.mjs) into one case of a
// category. `id` is the category the allow-list names; `applies` limits it to some
// algorithms; `apply(r, d)` changes the draft in place and returns a short variant label
// (printed with a disagreement, never matched on).
import { ALGS, AUDIENCE, ISSUER, NOW, b64u, isEc, isHmac, utf8 } from './generate.mjs';

const TOLERANCES = [undefined, 0, 0.1, 0.25, 0.3, 0.5, 0.7, 1, 1.5, 2.75, '1s', '2 seconds', '1.5s'];
// tolSeconds is a clockTolerance in seconds, as jose reads it (a text period rounds to seconds).
const tolSeconds = (t) => (t === undefined ? 0 : typeof t === 'number' ? t : Math.round(parseFloat(t)));
// OFFSETS are times around a boundary, in seconds (fractions included).
const OFFSETS = [-2, -1.5, -1, -0.75, -0.5, -0.001, 0, 0.001, 0.25, 0.5, 0.999, 1, 1.5, 2];

// withMembers is `payload` as JSON text with `extra` (JSON members, as text) spliced in last.
const withMembers = (payload, extra) => `${JSON.stringify(payload).slice(0, -1)},${extra}}`;

function flipBit(r, bytes) {
  const out = Buffer.from(bytes);
  if (out.length === 0) return out;
  out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
}

// ECDSA signature (r || s) with s replaced by n - s: the same signature, "high-S" form.
const ORDERS = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512: 0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};
function highS(alg, sig) {
  const half = sig.length / 2;
  const s = BigInt(`0x${Buffer.from(sig.subarray(half)).toString('hex')}`);
  const flipped = (ORDERS[alg] - s).toString(16).padStart(half * 2, '0');
  return Buffer.concat([sig.subarray(0, half), Buffer.from(flipped, 'hex')]);
}

// derOf wraps a raw (r || s) ECDSA signature as ASN.1 DER, the form JWS forbids.
function derOf(sig) {
  const half = sig.length / 2;
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(Buffer.from(sig.subarray(0, half))), int(Buffer.from(sig.subarray(half)))]);
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

// nonCanonical changes the last character of a segment to one that decodes to the same
// bytes (its unused low bits set), or returns the segment unchanged when none are unused.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function nonCanonical(seg) {
  const unused = { 2: 4, 3: 2 }[seg.length % 4];
  if (unused === undefined) return seg;
  const v = ALPHABET.indexOf(seg.at(-1));
  return seg.slice(0, -1) + ALPHABET[v | ((1 << unused) - 1)];
}
const padded = (seg) => seg + '='.repeat((4 - (seg.length % 4)) % 4);

// withUnusedBits pads the payload JSON with trailing spaces until its encoding has unused
// bits, so nonCanonical has something to change.
function withUnusedBits(d) {
  let text = JSON.stringify(d.payload);
  while (text.length % 3 === 0) text += ' ';
  d.payload = text;
}

const SWAP_TARGETS = [...Object.keys(ALGS), 'none', 'Ed25519', 'ES256K', 'rs256', 'HS256 '];

export const MUTATIONS = [
  { id: 'valid', apply: () => 'as minted' },

  // --- the signature
  { id: 'sig.bitflip', apply: (r, d) => { d.signature = (s) => flipBit(r, s); return 'one bit'; } },
  { id: 'sig.truncated', apply: (r, d) => { const n = 1 + r.int(3); d.signature = (s) => s.subarray(0, s.length - n); return `-${n} bytes`; } },
  { id: 'sig.extended', apply: (r, d) => { d.signature = (s) => Buffer.concat([s, Buffer.from([r.int(256)])]); return '+1 byte'; } },
  { id: 'sig.empty', apply: (r, d) => { d.sigSeg = () => ''; return 'empty'; } },
  { id: 'sig.other-token', apply: (r, d) => {
    // A valid signature, but of another payload under the same key.
    d.signOver = { payload: { ...d.payload, jti: `other-${r.int(1000)}` } };
    return 'signature of another payload';
  } },
  { id: 'sig.high-s', applies: isEc, apply: (r, d) => { d.signature = (s) => highS(d.alg, s); return 's -> n - s'; } },
  { id: 'sig.der', applies: isEc, apply: (r, d) => { d.signature = (s) => derOf(s); return 'ASN.1 DER'; } },

  // --- alg: swapped in the header (signature kept, or made for the new input by the
  // original key), missing, or not a string
  { id: 'alg.swap', apply: (r, d) => {
    const to = r.pick(SWAP_TARGETS.filter((a) => a !== d.alg));
    const resign = r.chance(0.5);
    // Not re-signed: the signature is the original header's; re-signed: the original key
    // signs the new header, as a confused signer would.
    if (!resign) d.signOver = { header: d.header };
    d.header = { ...d.header, alg: to };
    // Ed25519 is a name jose knows and the core does not: its own category.
    if (to === 'Ed25519') d.category = 'alg.ed25519-name';
    if (r.chance(0.4)) d.options.algorithms = r.pick([[d.alg], [to], [d.alg, to], ['ES256K', to]]);
    return `${d.alg} -> ${to}${resign ? ' (re-signed)' : ''}`;
  } },
  { id: 'alg.hmac-with-public-key', applies: (a) => !isHmac(a), apply: (r, d) => {
    // The classic confusion: HS256 keyed with the verifier's public key text.
    d.header = { ...d.header, alg: 'HS256' };
    d.hmacWithPublicKey = r.pick(['pem', 'jwk']);
    if (r.chance(0.5)) d.options.algorithms = ['HS256', d.alg];
    return `HS256 keyed with the public ${d.hmacWithPublicKey}`;
  } },
  { id: 'alg.none', apply: (r, d) => {
    d.header = { ...d.header, alg: r.pick(['none', 'None', 'NONE']) };
    d.signer = null;
    if (r.chance(0.5)) d.options.algorithms = [d.header.alg, d.alg];
    return `${d.header.alg}, empty signature`;
  } },
  { id: 'alg.missing', apply: (r, d) => { const { alg, ...rest } = d.header; void alg; d.header = rest; return 'no alg'; } },
  { id: 'alg.not-a-string', apply: (r, d) => { const v = r.pick([256, null, [d.alg], { name: d.alg }, true, '']); d.header = { ...d.header, alg: v }; return JSON.stringify(v); } },
  { id: 'alg.ed25519-name', applies: (a) => a === 'EdDSA', apply: (r, d) => {
    // RFC 9864's fully specified name for the same signature.
    d.header = { ...d.header, alg: 'Ed25519' };
    if (r.chance(0.3)) d.options.algorithms = ['Ed25519', 'EdDSA'];
    return 'alg Ed25519';
  } },
  { id: 'alg.option', apply: (r, d) => {
    const v = r.pick([['ES256K'], ['none'], ['Ed25519'], [d.alg, 'nope'], [], [d.alg.toLowerCase()], ['HS256']]);
    d.options.algorithms = v;
    return JSON.stringify(v);
  } },

  // --- times at and around exp / nbf / iat, with fractions and clockTolerance
  { id: 'time.exp', apply: (r, d) => {
    const tol = r.pick(TOLERANCES);
    const exp = NOW - tolSeconds(tol) + r.pick(OFFSETS);
    d.payload.exp = exp;
    if (tol !== undefined) d.options.clockTolerance = tol;
    if (d.payload.nbf !== undefined) delete d.payload.nbf;
    return `exp now${exp - NOW >= 0 ? '+' : ''}${+(exp - NOW).toFixed(3)}, tolerance ${tol}`;
  } },
  { id: 'time.nbf', apply: (r, d) => {
    const tol = r.pick(TOLERANCES);
    const nbf = NOW + tolSeconds(tol) + r.pick(OFFSETS);
    d.payload.nbf = nbf;
    if (tol !== undefined) d.options.clockTolerance = tol;
    return `nbf now+${+(nbf - NOW).toFixed(3)}, tolerance ${tol}`;
  } },
  { id: 'time.iat', apply: (r, d) => {
    // jose checks iat only under maxTokenAge: in the future, or older than the limit.
    const tol = r.pick(TOLERANCES);
    const max = r.pick([undefined, 60, 600, '10m', 1.5]);
    const future = r.chance(0.5);
    const iat = future ? NOW + tolSeconds(tol) + r.pick(OFFSETS) : NOW - (max === undefined ? 60 : typeof max === 'number' ? max : 600) - tolSeconds(tol) + r.pick(OFFSETS);
    d.payload.iat = iat;
    if (tol !== undefined) d.options.clockTolerance = tol;
    if (max !== undefined) d.options.maxTokenAge = max;
    return `iat now${iat >= NOW ? '+' : ''}${+(iat - NOW).toFixed(3)}, maxTokenAge ${max}, tolerance ${tol}`;
  } },
  { id: 'time.boundary', apply: (r, d) => {
    // Exactly at a limit, with a tolerance no double holds exactly: where rounding decides.
    const which = r.pick(['exp', 'nbf', 'iat']);
    const tol = r.pick([0.1, 0.2, 0.3, 0.7, 1.1, 1.3, 2.9, 0.01]);
    const nudge = r.pick([0, 0, 1e-6, -1e-6]);
    d.payload[which] = (which === 'exp' ? NOW - tol : NOW + tol) + nudge;
    if (which === 'exp') delete d.payload.nbf;
    if (which === 'iat') d.options.maxTokenAge = r.pick([60, 1.5]);
    d.options.clockTolerance = tol;
    return `${which} at now${which === 'exp' ? '-' : '+'}${tol}${nudge ? ` ${nudge > 0 ? '+' : ''}${nudge}` : ''}, tolerance ${tol}`;
  } },
  { id: 'time.current-date', apply: (r, d) => {
    // currentDate a fraction of a second either side of exp or nbf: both floor it.
    const which = r.pick(['exp', 'nbf']);
    const ms = r.pick([-1001, -1000, -999, -1, 0, 1, 500, 999, 1000]);
    d.payload[which] = NOW;
    if (which === 'exp') delete d.payload.nbf;
    d.options.currentDate = new Date(NOW * 1000 + ms);
    return `${which} = now, currentDate now${ms >= 0 ? '+' : ''}${ms}ms`;
  } },
  { id: 'time.not-a-number', apply: (r, d) => {
    const which = r.pick(['exp', 'nbf', 'iat']);
    const v = r.pick([`${NOW + 600}`, null, true, [NOW + 600], { t: 1 }]);
    d.payload[which] = v;
    if (which === 'iat' && r.chance(0.5)) d.options.maxTokenAge = 600;
    return `${which} ${JSON.stringify(v)}`;
  } },
  { id: 'time.number-forms', apply: (r, d) => {
    // The same (or a far) time written as JSON allows: exponent, fraction, -0, huge.
    const which = r.pick(['exp', 'nbf', 'iat']);
    const text = r.pick([`${NOW + 600}.0`, `${(NOW + 600) / 1e9}e9`, `1.7672256e9`, '-0', `1e300`, `-1e300`, `${NOW + 600}.000000000001`, `${'9'.repeat(20)}`]);
    const { [which]: _, ...rest } = d.payload; void _;
    d.payload = withMembers(rest, `"${which}":${text}`);
    return `${which}: ${text}`;
  } },

  // --- aud: claim forms against audience option forms
  { id: 'aud.forms', apply: (r, d) => {
    const claim = r.pick([AUDIENCE, [AUDIENCE], ['x', AUDIENCE], ['x'], [], 'x', undefined, 42, null, { a: AUDIENCE }, [AUDIENCE, 7], [[AUDIENCE]], '']);
    const option = r.pick([AUDIENCE, [AUDIENCE], ['y', AUDIENCE], ['y'], undefined, '']);
    if (claim === undefined) delete d.payload.aud; else d.payload.aud = claim;
    if (option === undefined) delete d.options.audience; else d.options.audience = option;
    return `aud ${JSON.stringify(claim)}, audience ${JSON.stringify(option)}`;
  } },
  { id: 'aud.option-wrong-type', apply: (r, d) => {
    const option = r.pick([[], [AUDIENCE, 7], 7, null]);
    d.options.audience = option;
    return `audience ${JSON.stringify(option)}`;
  } },

  // --- iss, sub, requiredClaims, typ
  { id: 'iss.forms', apply: (r, d) => {
    const claim = r.pick([ISSUER, `${ISSUER}/`, ISSUER.toUpperCase(), 'https://evil.example.com', undefined, 7, null, [ISSUER], '']);
    const option = r.pick([ISSUER, [ISSUER], ['https://a.example.com', ISSUER], ['https://a.example.com'], undefined]);
    if (claim === undefined) delete d.payload.iss; else d.payload.iss = claim;
    if (option === undefined) delete d.options.issuer; else d.options.issuer = option;
    return `iss ${JSON.stringify(claim)}, issuer ${JSON.stringify(option)}`;
  } },
  { id: 'sub.forms', apply: (r, d) => {
    const claim = r.pick(['user-1', 'user-2', undefined, 7, null]);
    if (claim === undefined) delete d.payload.sub; else d.payload.sub = claim;
    d.options.subject = 'user-1';
    return `sub ${JSON.stringify(claim)}`;
  } },
  { id: 'claims.required', apply: (r, d) => {
    const names = ['exp', 'nbf', 'iat', 'jti', 'email', 'scope', 'sub'];
    const required = names.filter(() => r.chance(0.3));
    if (r.chance(0.5)) d.payload.email = 'a@example.com';
    if (r.chance(0.3)) d.payload.scope = null;
    d.options.requiredClaims = required;
    return `requiredClaims ${JSON.stringify(required)}, present ${Object.keys(d.payload).join(',')}`;
  } },
  { id: 'typ.forms', apply: (r, d) => {
    const header = r.pick([undefined, 'JWT', 'at+jwt', 'application/at+jwt', 'AT+JWT', 7, 'application/jwt']);
    const option = r.pick(['at+jwt', 'JWT', 'application/at+JWT']);
    const { typ, ...rest } = d.header; void typ;
    d.header = header === undefined ? rest : { ...rest, typ: header };
    d.options.typ = option;
    return `typ ${JSON.stringify(header)}, option ${option}`;
  } },

  // --- unicode, lone surrogates, duplicates, BOM, big integers
  { id: 'unicode.claims', apply: (r, d) => {
    const v = r.pick(['üñîçødé', '日本語', '😀 emoji', 'e\u0301 (NFD)', '\u00e9 (NFC)', 'zero\u200bwidth', 'nul\u0000byte', '\u2028\u2029']);
    d.payload.name = v;
    if (r.chance(0.5)) { d.payload.iss = `https://${v}.example.com`; d.options.issuer = r.chance(0.5) ? d.payload.iss : d.payload.iss.normalize('NFD'); }
    if (r.chance(0.3)) d.header = { ...d.header, kid: r.chance(0.5) ? d.header.kid : `${d.header.kid}-${v}` };
    return JSON.stringify(v);
  } },
  { id: 'unicode.escaped', apply: (r, d) => {
    // Escapes JSON allows for the same text: \u00e9 for é, \/ for /.
    const v = r.pick(['"iss":"https:\\/\\/issuer.example.com"', '"name":"\\u00e9\\u65e5"', '"name":"\\ud83d\\ude00"']);
    const { iss, ...rest } = d.payload;
    d.payload = withMembers(v.startsWith('"iss"') ? rest : { ...rest, iss }, v);
    return v;
  } },
  { id: 'surrogate.lone', apply: (r, d) => {
    const esc = r.pick(['\\ud800', '\\udfff', '\\ud83d', '\\ude00x', '\\ud800\\ud800']);
    const where = r.pick(['name', 'iss', 'sub']);
    const { [where]: _, ...rest } = d.payload; void _;
    d.payload = withMembers(rest, `"${where}":"a${esc}"`);
    return `${where}: "a${esc}"`;
  } },
  { id: 'surrogate.header', apply: (r, d) => {
    const text = JSON.stringify(d.header);
    d.header = `${text.slice(0, -1)},"x":"\\ud800"}`;
    return 'header member "\\ud800"';
  } },
  { id: 'json.duplicate-payload', apply: (r, d) => {
    const name = r.pick(['exp', 'iss', 'aud', 'sub', 'name']);
    const v = r.pick([JSON.stringify(d.payload[name] ?? 'x'), `${NOW - 10}`, '"https://evil.example.com"', '"other"']);
    d.payload = withMembers(d.payload, `"${name}":${v}`);
    return `"${name}" twice (last ${v})`;
  } },
  { id: 'json.duplicate-header', apply: (r, d) => {
    const name = r.pick(['alg', 'kid', 'typ']);
    const v = name === 'alg' ? r.pick([`"${d.alg}"`, '"none"', '"HS256"']) : '"x"';
    d.header = `${JSON.stringify(d.header).slice(0, -1)},"${name}":${v}}`;
    return `"${name}" twice (last ${v})`;
  } },
  { id: 'json.bom', apply: (r, d) => {
    const where = r.pick(['payload', 'header']);
    d[where] = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(JSON.stringify(d[where]))]);
    return `BOM before the ${where}`;
  } },
  { id: 'json.big-integer', apply: (r, d) => {
    const n = r.pick(['9007199254740993', '18446744073709551616', '1'.repeat(40), '1'.repeat(400), '-9223372036854775809', '1e400', '123456789012345678901234567890.5']);
    d.payload = withMembers(d.payload, `"n":${n}`);
    return `"n":${n.length > 30 ? `${n.slice(0, 10)}…(${n.length})` : n}`;
  } },
  { id: 'json.big-time', apply: (r, d) => {
    const which = r.pick(['exp', 'nbf', 'iat']);
    const n = r.pick(['1'.repeat(400), '1e400', '-1e400', '18446744073709551616']);
    const { [which]: _, ...rest } = d.payload; void _;
    d.payload = withMembers(rest, `"${which}":${n}`);
    return `${which}: ${n.slice(0, 12)}…(${n.length})`;
  } },
  { id: 'json.not-an-object', apply: (r, d) => {
    const where = r.pick(['payload', 'payload', 'header']);
    d[where] = r.pick(['[1,2]', '"text"', '42', 'null', 'not json', '{"a":1', '{"a":1}x', '']);
    return `${where} ${JSON.stringify(d[where])}`;
  } },
  { id: 'json.invalid-utf8', apply: (r, d) => {
    const bad = r.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]);
    const text = JSON.stringify(d.payload);
    d.payload = Buffer.concat([utf8(`${text.slice(0, -1)},"x":"`), Buffer.from(bad), utf8('"}')]);
    return `bytes ${Buffer.from(bad).toString('hex')}`;
  } },
  { id: 'json.whitespace', apply: (r, d) => {
    const ws = r.pick([' ', '\n', '\t', '\r\n', '  \n ']);
    d.payload = `${ws}${JSON.stringify(d.payload, null, r.chance(0.5) ? 1 : 0)}${ws}`;
    return `wrapped in ${JSON.stringify(ws)}`;
  } },

  // --- base64url: padding, non-canonical last character, the other alphabet, whitespace
  { id: 'b64.padding', apply: (r, d) => {
    const where = r.pick(['headerSeg', 'payloadSeg', 'sigSeg']);
    d.payload = `${JSON.stringify(d.payload)}${r.pick(['', ' ', '  '])}`;
    d[where] = (s) => padded(s);
    return `${where} padded`;
  } },
  { id: 'b64.non-canonical', apply: (r, d) => {
    const where = r.pick(['headerSeg', 'payloadSeg', 'sigSeg']);
    withUnusedBits(d);
    if (where === 'headerSeg') { let h = JSON.stringify(d.header); while (h.length % 3 === 0) h += ' '; d.header = h; }
    d[where] = (s) => nonCanonical(s);
    return `${where}: unused bits set`;
  } },
  { id: 'b64.standard-alphabet', apply: (r, d) => {
    const where = r.pick(['headerSeg', 'payloadSeg', 'sigSeg']);
    d[where] = (s) => s.replace(/-/g, '+').replace(/_/g, '/');
    return `${where} in base64 (+ /)`;
  } },
  { id: 'b64.whitespace', apply: (r, d) => {
    const where = r.pick(['headerSeg', 'payloadSeg', 'sigSeg']);
    const ws = r.pick([' ', '\n', '\t']);
    d[where] = (s) => `${s.slice(0, 4)}${ws}${s.slice(4)}`;
    return `${where} with ${JSON.stringify(ws)} inside`;
  } },
  { id: 'b64.bad-char', apply: (r, d) => {
    const where = r.pick(['headerSeg', 'payloadSeg', 'sigSeg']);
    const c = r.pick(['*', '.', '%', 'é', '=']);
    d[where] = (s) => `${s.slice(0, 4)}${c}${s.slice(4)}`;
    return `${where} with ${c} inside`;
  } },

  // --- structure and size
  { id: 'structure.segments', apply: (r, d) => {
    const v = r.pick(['two', 'four', 'empty-header', 'empty-payload', 'leading-space', 'trailing-newline', 'empty']);
    const fix = {
      two: (t) => t.split('.').slice(0, 2).join('.'),
      four: (t) => `${t}.${t.split('.')[2]}`,
      'empty-header': (t) => `.${t.split('.').slice(1).join('.')}`,
      'empty-payload': (t) => { const [h, , s] = t.split('.'); return `${h}..${s}`; },
      'leading-space': (t) => ` ${t}`,
      'trailing-newline': (t) => `${t}\n`,
      empty: () => '',
    }[v];
    d.token = fix;
    return v;
  } },
  { id: 'size.limit', apply: (r, d) => {
    // Total token lengths around the binding's 16 KiB default, and a large one.
    const target = r.pick([16383, 16384, 16385, 24000]);
    d.sizeTarget = target;
    d.payload.filler = '';
    return `${target} bytes`;
  } },
  { id: 'size.large-header', apply: (r, d) => {
    d.header = { ...d.header, x5u: `https://${'h'.repeat(r.pick([100, 4000, 9000]))}.example` };
    return `header of ${JSON.stringify(d.header).length} bytes`;
  } },

  // --- crit and b64 (RFC 7515 §4.1.11, RFC 7797)
  { id: 'crit.b64-true', apply: (r, d) => { d.header = { ...d.header, b64: true, crit: ['b64'] }; return 'crit ["b64"], b64 true'; } },
  { id: 'crit.unknown', apply: (r, d) => {
    const crit = r.pick([['exp'], ['x-ext'], ['b64', 'x-ext']]);
    d.header = { ...d.header, crit, 'x-ext': 1, exp: NOW };
    if (r.chance(0.5)) d.options.crit = { 'x-ext': true };
    return `crit ${JSON.stringify(crit)}${d.options.crit ? ', option crit {x-ext}' : ''}`;
  } },
  { id: 'crit.malformed', apply: (r, d) => {
    const crit = r.pick([[], 'b64', [''], ['b64', 'b64'], [7], null]);
    d.header = { ...d.header, b64: true, crit };
    return `crit ${JSON.stringify(crit)}`;
  } },
  { id: 'b64.false-without-crit', apply: (r, d) => { d.header = { ...d.header, b64: false }; return 'b64 false, no crit'; } },
  { id: 'b64.false-with-crit', apply: (r, d) => {
    // RFC 7797: the payload travels unencoded (ASCII JSON here) and is signed as it is.
    d.header = { ...d.header, b64: false, crit: ['b64'] };
    if (r.chance(0.5)) return 'payload base64url-encoded anyway';
    const raw = JSON.stringify(d.payload).replace(/\./g, ''); // a "." would split the token
    d.payloadSeg = () => raw;
    return 'unencoded ASCII payload';
  } },

  // --- kid
  { id: 'kid.forms', apply: (r, d) => {
    const v = r.pick([undefined, 'unknown', 7, null, '', 'rsa-2', 'ec-p256']);
    const { kid, ...rest } = d.header; void kid;
    d.header = v === undefined ? rest : { ...rest, kid: v };
    return `kid ${JSON.stringify(v)}`;
  } },
];
