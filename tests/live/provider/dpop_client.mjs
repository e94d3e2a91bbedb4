// A DPoP client for tokenwarden's end-to-end tests: keys, tokens and proofs made by panva's
// `dpop` package (not tokenwarden's code), driven by the pytest suite over stdin/stdout.
//
//   node dpop_client.mjs CONFIG.json
//
// CONFIG: {"ca": [PEM paths the client trusts]}. Then one JSON request per line on stdin, one
// JSON answer per line on stdout ({"ok": true, ...} or {"ok": false, "error": "..."}), in order:
//
//   {"op": "key", "alg": "ES256"}
//       -> {"key": NAME, "jkt": its RFC 7638 thumbprint}
//   {"op": "token", "url": token endpoint, "client_id", "client_secret", "form": {...},
//    "key": NAME (a DPoP-bound token; absent: none), "cert"/"cert_key": PEM paths (TLS client
//    certificate; absent: none)}
//       -> {"status", "body", "nonces": how many use_dpop_nonce answers it retried after}
//   {"op": "proof", "key", "htu", "htm", "access_token"?, "nonce"?, "clock_offset_seconds"?}
//       -> {"proof"}   (clock_offset_seconds: made as if the client's clock were off by that)
//   {"op": "call", "key", "url", "method", "access_token"}
//       -> {"attempts": [{"status", "headers": [[name, value]...], "body"}]}
//          a resource request with the DPoP scheme; on 401 use_dpop_nonce it retries once
//          with the server's DPoP-Nonce, as RFC 9449 §9 has a client do.
import fs from 'node:fs';
import https from 'node:https';
import readline from 'node:readline';

import { calculateThumbprint, generateKeyPair, generateProof } from 'dpop';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ca = config.ca.map((file) => fs.readFileSync(file));
const keys = new Map();

// send makes one HTTPS request (no connection reuse) and collects the whole answer.
function send(url, { method, headers = {}, body, cert, certKey }) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method,
      headers,
      ca,
      agent: false,
      ...(cert ? { cert: fs.readFileSync(cert), key: fs.readFileSync(certKey) } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        }
        resolve({ status: res.statusCode, headers: pairs,
                  body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

function header(answer, name) {
  const found = answer.headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  return found?.[1];
}

function keyNamed(name) {
  const key = keys.get(name);
  if (!key) throw new Error(`no key ${name}`);
  return key;
}

// proof is generateProof with the client's clock moved by `offset` seconds while it runs: the
// library takes iat from Date.now and has no option for it.
async function proof(key, htu, htm, nonce, accessToken, offset = 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset * 1000;
  try {
    return await generateProof(key, htu, htm, nonce, accessToken);
  } finally {
    Date.now = realNow;
  }
}

// token: client_credentials at the token endpoint; with a key, each attempt carries a fresh
// proof, and a 400 use_dpop_nonce is retried with the provider's nonce (at most twice).
async function token(req) {
  const key = req.key ? keyNamed(req.key) : undefined;
  const basic = Buffer.from(`${encodeURIComponent(req.client_id)}:${
    encodeURIComponent(req.client_secret)}`).toString('base64');
  let nonce;
  let nonces = 0;
  for (;;) {
    const headers = {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (key) headers.dpop = await proof(key, req.url, 'POST', nonce);
    const answer = await send(req.url, {
      method: 'POST', headers, body: new URLSearchParams(req.form).toString(),
      cert: req.cert, certKey: req.cert_key,
    });
    const body = JSON.parse(answer.body || '{}');
    const fresh = header(answer, 'dpop-nonce');
    if (key && answer.status === 400 && body.error === 'use_dpop_nonce' && fresh && nonces < 2) {
      nonce = fresh;
      nonces += 1;
      continue;
    }
    return { status: answer.status, body, nonces };
  }
}

// call: a resource request with `Authorization: DPoP`, retried once after use_dpop_nonce.
async function call(req) {
  const key = keyNamed(req.key);
  const attempts = [];
  let nonce;
  for (;;) {
    const headers = {
      authorization: `DPoP ${req.access_token}`,
      dpop: await proof(key, req.url, req.method, nonce, req.access_token),
    };
    const answer = await send(req.url, { method: req.method, headers });
    attempts.push(answer);
    const fresh = header(answer, 'dpop-nonce');
    const challenge = header(answer, 'www-authenticate') ?? '';
    if (answer.status === 401 && challenge.includes('error="use_dpop_nonce"') && fresh
        && nonce === undefined) {
      nonce = fresh;
      continue;
    }
    return { attempts };
  }
}

const ops = {
  async key(req) {
    const key = await generateKeyPair(req.alg ?? 'ES256');
    const name = `k${keys.size + 1}`;
    keys.set(name, key);
    return { key: name, jkt: await calculateThumbprint(key.publicKey) };
  },
  token,
  async proof(req) {
    return {
      proof: await proof(keyNamed(req.key), req.htu, req.htm, req.nonce, req.access_token,
                         req.clock_offset_seconds),
    };
  },
  call,
};

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer;
  try {
    const req = JSON.parse(line);
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    answer = { ok: true, ...(await op(req)) };
  } catch (e) {
    answer = { ok: false, error: String(e?.stack ?? e) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
