// Mints the tokenwarden interop fixtures in tests/testdata/interop/jose/ with
// the node `jose` library (version pinned in package.json / package-lock.json).
//
//   cd tests/interop/jose && npm ci && node mint.mjs
//
// Every run generates fresh keys, so the token and key *contents* change, but
// the file names and cases.json structure are the same every time. The claims
// are fixed: iat/exp are set explicitly relative to NOW, which every case
// passes as --now, so results do not depend on the wall clock.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import * as jose from 'jose'

const HERE = dirname(fileURLToPath(import.meta.url))
const OUT = join(HERE, '..', '..', 'testdata', 'interop', 'jose')
const JOSE_VERSION = createRequire(import.meta.url)('jose/package.json').version

const NOW = 1700000000 // 2023-11-14T22:13:20Z, passed as --now in every case
const IAT = NOW - 60
const EXP = 2000000000 // 2033-05-18, far in the future relative to NOW
const ISS = 'https://issuer.example.com'
const AUD = 'tokenwarden-tests'
const SUB = 'user-1234'

const ALGS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
  'HS256', 'HS384', 'HS512',
]

async function newKey(alg) {
  if (alg.startsWith('HS')) {
    // generateSecret gives a secret as long as the hash output (32/48/64 bytes)
    const secret = await jose.generateSecret(alg, { extractable: true })
    return { sign: secret, pub: await jose.exportJWK(secret) }
  }
  const opts = { extractable: true }
  if (alg.startsWith('RS') || alg.startsWith('PS')) opts.modulusLength = 2048
  if (alg === 'EdDSA') opts.crv = 'Ed25519'
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, opts)
  return { sign: privateKey, pub: await jose.exportJWK(publicKey), publicKey }
}

function mint(alg, key, header, extra = {}) {
  return new jose.SignJWT({ ...extra })
    .setProtectedHeader({ alg, typ: 'JWT', ...header })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setSubject(SUB)
    .setIssuedAt(IAT)
    .setExpirationTime(EXP)
    .setJti(`jti-${alg.toLowerCase()}-${header.kid ?? 'nokid'}`)
    .sign(key)
}

function write(rel, text) {
  writeFileSync(join(OUT, rel), text)
}

async function main() {
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(join(OUT, 'tokens'), { recursive: true })

  const jwks = { keys: [] }
  const cases = []
  const now = ['--now', String(NOW)]

  for (const alg of ALGS) {
    const kid = `jose-${alg.toLowerCase()}`
    const key = await newKey(alg)
    jwks.keys.push({ ...key.pub, kid, alg, use: 'sig' })
    const token = await mint(alg, key.sign, { kid })
    // sanity: jose itself accepts the token with the exported public JWK
    await jose.jwtVerify(token, await jose.importJWK({ ...key.pub, alg }, alg), {
      issuer: ISS, audience: AUD, currentDate: new Date(NOW * 1000),
    })
    const file = `tokens/${alg.toLowerCase()}.jwt`
    write(file, token) // no trailing newline
    cases.push({
      name: `jose-${alg.toLowerCase()}-valid`,
      token_file: file,
      jwks: 'jwks.json',
      args: ['--issuer', ISS, '--audience', AUD, ...now],
      expect: 'valid',
      note: `${alg} minted by jose ${JOSE_VERSION}, header kid ${kid}`,
    })
    cases.push({
      name: `jose-${alg.toLowerCase()}-wrong-audience`,
      token_file: file,
      jwks: 'jwks.json',
      args: ['--issuer', ISS, '--audience', 'some-other-api', ...now],
      expect: 'invalid_audience',
      note: `aud is ${AUD}`,
    })
  }

  // A token without kid, verified against a single key given with --key
  // (both as a JWK file and as a PEM SPKI file).
  {
    const key = await newKey('ES256')
    const token = await mint('ES256', key.sign, {})
    write('tokens/es256-nokid.jwt', token)
    write('single-es256.jwk.json', JSON.stringify({ ...key.pub, alg: 'ES256', use: 'sig' }, null, 2) + '\n')
    write('single-es256.pem', (await jose.exportSPKI(key.publicKey)).trimEnd() + '\n')
    cases.push({
      name: 'jose-es256-nokid-single-jwk',
      token_file: 'tokens/es256-nokid.jwt',
      key: 'single-es256.jwk.json',
      args: ['--issuer', ISS, '--audience', AUD, ...now],
      expect: 'valid',
      note: 'token header has no kid; key given as a single JWK (no kid) with --key',
    })
    cases.push({
      name: 'jose-es256-nokid-single-pem',
      token_file: 'tokens/es256-nokid.jwt',
      key: 'single-es256.pem',
      args: ['--issuer', ISS, '--audience', AUD, ...now],
      expect: 'valid',
      note: 'same token; same public key as a PEM SubjectPublicKeyInfo',
    })
    cases.push({
      name: 'jose-es256-nokid-against-jwks',
      token_file: 'tokens/es256-nokid.jwt',
      jwks: 'jwks.json',
      args: ['--issuer', ISS, '--audience', AUD, ...now],
      expect: 'invalid_signature',
      note: 'no kid, and its key is not in jwks.json: the only ES256-capable key (jose-es256) does not verify it',
    })
  }

  // A token signed by a key that is not in the set, with a kid nobody knows.
  {
    const key = await newKey('RS256')
    const token = await mint('RS256', key.sign, { kid: 'jose-unknown-kid' })
    write('tokens/rs256-unknown-kid.jwt', token)
    cases.push({
      name: 'jose-rs256-unknown-kid',
      token_file: 'tokens/rs256-unknown-kid.jwt',
      jwks: 'jwks.json',
      args: ['--issuer', ISS, '--audience', AUD, ...now],
      expect: 'key_not_found',
      note: 'header kid jose-unknown-kid is not in jwks.json',
    })
  }

  // The same valid RS256 token after its exp, and under an --algorithms list that excludes it.
  cases.push({
    name: 'jose-rs256-expired',
    token_file: 'tokens/rs256.jwt',
    jwks: 'jwks.json',
    args: ['--issuer', ISS, '--audience', AUD, '--now', String(EXP)],
    expect: 'expired',
    note: `now == exp (${EXP})`,
  })
  cases.push({
    name: 'jose-rs256-algorithm-not-allowed',
    token_file: 'tokens/rs256.jwt',
    jwks: 'jwks.json',
    args: ['--issuer', ISS, '--audience', AUD, '--algorithms', 'ES256,EdDSA', ...now],
    expect: 'algorithm_not_allowed',
    note: 'RS256 is not in --algorithms',
  })

  write('jwks.json', JSON.stringify(jwks, null, 2) + '\n')
  const origin =
    `Minted by the node 'jose' library ${JOSE_VERSION} (pinned in tests/interop/jose/package.json and ` +
    `package-lock.json) with fresh keys: RSA 2048-bit for RS*/PS*, P-256/P-384/P-521 for ES*, Ed25519 for EdDSA, ` +
    `hash-length secrets for HS*. jwks.json holds every public JWK plus the HS oct secrets, each with kid ` +
    `jose-<alg>. Claims: iss ${ISS}, aud ${AUD}, sub ${SUB}, iat ${IAT}, exp ${EXP}; every case passes --now ${NOW}. ` +
    `Token files have no trailing newline. Regenerate (new keys, same file names): ` +
    `cd tests/interop/jose && npm ci && node mint.mjs`
  write('cases.json', JSON.stringify({ origin, cases }, null, 2) + '\n')
  console.log(`wrote ${cases.length} cases to ${OUT}`)
}

await main()
