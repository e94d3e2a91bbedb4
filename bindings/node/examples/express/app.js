'use strict';
// An Express API protected by tokenwarden: `Authorization: Bearer <JWT>` is verified by a
// shared Verifier; failures answer 401/403 with an RFC 6750 WWW-Authenticate challenge.
//
//   TW_JWKS_FILE=jwks.json TW_ISSUER=https://issuer.example.com TW_AUDIENCE=api://orders \
//     node examples/express/app.js        # listens on 127.0.0.1:3000 (PORT to change)
const fs = require('node:fs');
const express = require('express');
const { Verifier, TokenError } = require('tokenwarden');

// RFC 6750 §3: quoted-string values must avoid `"` and `\` and stay printable ASCII.
const quoted = (s) => s.replace(/[^\x20-\x7e]|["\\]/g, "'");

// bearerAuth verifies the bearer token and puts its payload on req.auth.
function bearerAuth(verifier, { realm = 'api' } = {}) {
  return (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) {
      res.set('WWW-Authenticate', `Bearer realm="${realm}"`);
      return res.status(401).json({ error: 'unauthorized' });
    }
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (m === null) {
      res.set('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_request"`);
      return res.status(400).json({ error: 'invalid_request' });
    }
    try {
      req.auth = verifier.verify(m[1]);
      return next();
    } catch (e) {
      if (!(e instanceof TokenError)) return next(e);
      const error = e.code === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token';
      res.set('WWW-Authenticate',
        `Bearer realm="${realm}", error="${error}", error_description="${quoted(e.message)}"`);
      return res.status(error === 'insufficient_scope' ? 403 : 401).json({ error, code: e.code });
    }
  };
}

// createApp builds the API around `verifier` (a tokenwarden Verifier).
function createApp(verifier) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (req, res) => res.json({ ok: true }));
  app.get('/me', bearerAuth(verifier), (req, res) => res.json({ sub: req.auth.sub, scope: req.auth.scope ?? null }));
  return app;
}

module.exports = { bearerAuth, createApp };

if (require.main === module) {
  const verifier = new Verifier({
    jwks: fs.readFileSync(process.env.TW_JWKS_FILE, 'utf8'),
    issuer: process.env.TW_ISSUER,
    audience: process.env.TW_AUDIENCE,
  });
  const port = Number(process.env.PORT ?? 3000);
  createApp(verifier).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}
