// A real OpenID Provider (oidc-provider, OpenID Certified) for tokenwarden's end-to-end tests.
//
//   node provider.mjs CONFIG.json
//
// CONFIG: {"issuer": "https://127.0.0.1:PORT", "port": PORT, "cert": PEM path, "key": PEM path,
//          "jwks": path of a JWK Set of PRIVATE signing keys (read at start: rotate by
//                  restarting with a new file), "data_dir": folder for the file-backed store,
//          "clients": [{"client_id", "client_secret", "mtls": true when its tokens are bound
//                       to its TLS client certificate}, or a relying party that signs users in:
//                       {"client_id", "client_secret", "redirect_uris": [...],
//                        "backchannel_logout_uri", "backchannel_logout_session_required"}],
//          "access_token_ttl": seconds,
//          "client_ca": PEM path of the CA the client certificates chain to (optional),
//          "revokers": client ids allowed to revoke tokens of other clients (optional)}
//
// Resource indicators (RFC 8707): https://api.jwt.test gets JWT access tokens (RFC 9068,
// typ at+jwt), https://api.opaque.test opaque ones; both grant the scopes "read write".
// Introspection (RFC 7662) and revocation (RFC 7009) are on. The store is a folder of JSON
// files, so a restarted provider still knows the tokens it issued and the ones it revoked.
//
// Users sign in through the authorization code flow on the provider's development login and
// consent pages (any login name, any password), which a test fills in itself; RP-initiated
// logout ends the session and the provider posts an OpenID Connect Back-Channel Logout token
// to each relying party of the session that has a backchannel_logout_uri (with sid unless the
// client set backchannel_logout_session_required to false). Access tokens of a session carry
// its sid: a JWT as a claim, an opaque one in its introspection answer. Each logout the
// provider delivers, or fails to, is logged ("provider: backchannel.success ...").
//
// Sender-constrained tokens: a token request with a DPoP proof gets a DPoP-bound token
// (cnf.jkt, RFC 9449), and the provider demands a nonce in that proof first (use_dpop_nonce),
// as strict providers do; an "mtls" client's tokens are bound to the certificate it presented
// on the TLS connection (cnf["x5t#S256"], RFC 8705 §3). The server asks every client for a
// certificate but lets those without one in: only the binding reads it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function storeFile(model) {
  return path.join(config.data_dir, `${model}.json`);
}

// FileAdapter is oidc-provider's adapter interface over one JSON file per model.
class FileAdapter {
  constructor(model) {
    this.model = model;
  }

  load() {
    try {
      return JSON.parse(fs.readFileSync(storeFile(this.model), 'utf8'));
    } catch {
      return {};
    }
  }

  save(all) {
    const file = storeFile(this.model);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(all));
    fs.renameSync(`${file}.tmp`, file);
  }

  live(entry) {
    return entry && (!entry.expiresAt || entry.expiresAt > Date.now()) ? entry.payload : undefined;
  }

  async upsert(id, payload, expiresIn) {
    const all = this.load();
    all[id] = { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined };
    this.save(all);
  }

  async find(id) {
    return this.live(this.load()[id]);
  }

  async findByUid(uid) {
    return Object.values(this.load()).map((e) => this.live(e)).find((p) => p?.uid === uid);
  }

  async findByUserCode(userCode) {
    return Object.values(this.load()).map((e) => this.live(e))
      .find((p) => p?.userCode === userCode);
  }

  async consume(id) {
    const all = this.load();
    if (all[id]) {
      all[id].payload.consumed = Math.floor(Date.now() / 1000);
      this.save(all);
    }
  }

  async destroy(id) {
    const all = this.load();
    delete all[id];
    this.save(all);
  }

  async revokeByGrantId(grantId) {
    const all = this.load();
    for (const [id, entry] of Object.entries(all)) {
      if (entry.payload?.grantId === grantId) delete all[id];
    }
    this.save(all);
  }
}

const ttl = config.access_token_ttl ?? 300;
const resources = {
  'https://api.jwt.test': { format: 'jwt' },
  'https://api.opaque.test': { format: 'opaque' },
};

// clientMetadata is the registration of one entry of config.clients.
function clientMetadata(c) {
  const common = {
    client_id: c.client_id,
    client_secret: c.client_secret,
    token_endpoint_auth_method: 'client_secret_basic',
  };
  if (c.redirect_uris) {
    return {
      ...common,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: c.redirect_uris,
      backchannel_logout_uri: c.backchannel_logout_uri,
      backchannel_logout_session_required: c.backchannel_logout_session_required ?? true,
    };
  }
  return {
    ...common,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    tls_client_certificate_bound_access_tokens: c.mtls === true,
  };
}

const provider = new Provider(config.issuer, {
  adapter: FileAdapter,
  clients: config.clients.map(clientMetadata),
  jwks: JSON.parse(fs.readFileSync(config.jwks, 'utf8')),
  scopes: ['read', 'write'],
  // Every key type the dpop library makes (the default has no RSA).
  enabledJWA: { dPoPSigningAlgValues: ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'] },
  // RFC 9068 defines no sid claim, but the session is what a back-channel logout names: a
  // token issued in a session says which (an opaque one in its introspection answer too).
  extraTokenClaims: async (ctx, token) => (token.sid ? { sid: token.sid } : undefined),
  // The provider will not call special-use addresses (a guard against SSRF through client
  // metadata, right in production); the relying party here is tokenwarden on loopback.
  fetch: (url, { dispatcher, ...options }) => globalThis.fetch(url, options),
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: {
      enabled: true,
      // A token's own client may revoke it (the library's rule); so may the clients listed in
      // "revokers" — tokenwarden forwarding a /revoke with its own credentials — any token.
      allowedPolicy: async (ctx, client, token) =>
        token.clientId === client.clientId || (config.revokers ?? []).includes(client.clientId),
    },
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
    mTLS: {
      enabled: true,
      certificateBoundAccessTokens: true,
      // The certificate of this request's TLS connection, if the client sent one.
      getCertificate(ctx) {
        const peer = ctx.socket.getPeerCertificate();
        return peer?.raw ? new crypto.X509Certificate(peer.raw) : undefined;
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource) => {
        const server = resources[resource];
        if (!server) throw new errors.InvalidTarget();
        return {
          scope: 'read write',
          audience: resource,
          accessTokenTTL: ttl,
          accessTokenFormat: server.format,
          ...(server.format === 'jwt' ? { jwt: { sign: { alg: config.jwt_alg ?? 'RS256' } } } : {}),
        };
      },
    },
  },
});

provider.on('backchannel.success', (ctx, client) => {
  console.log(`provider: backchannel.success client=${client.clientId}`);
});
provider.on('backchannel.error', (ctx, err, client) => {
  console.log(`provider: backchannel.error client=${client.clientId}: ${err.message}`);
});

const server = https.createServer(
  {
    cert: fs.readFileSync(config.cert),
    key: fs.readFileSync(config.key),
    requestCert: true,
    rejectUnauthorized: false,
    ...(config.client_ca ? { ca: fs.readFileSync(config.client_ca) } : {}),
  },
  provider.callback(),
);
server.listen(config.port, '127.0.0.1', () => {
  console.log(`provider: listening on ${config.issuer}`);
});
function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
