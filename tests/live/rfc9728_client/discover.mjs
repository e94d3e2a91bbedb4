// discover.mjs takes the first steps of an RFC 9728 client with the MCP TypeScript SDK's own
// OAuth client code (not tokenwarden's): from the 401 that /validate answers for a request
// without a token, to the protected resource's metadata, to its authorization server's.
//
//   node discover.mjs '{"tokenwarden": "http://127.0.0.1:PORT",
//                       "server_url": "https://api.jwt.test/mcp/tools"}'
//
// prints one JSON object with what the SDK found. The authorization server's certificate is
// trusted through NODE_EXTRA_CA_CERTS.
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  selectResourceURL,
} from '@modelcontextprotocol/sdk/client/auth.js';

const { tokenwarden, server_url: serverUrl } = JSON.parse(process.argv[2]);
const server = new URL(serverUrl);

// gateway stands for the gateway in front of the resource: a request to the resource's
// origin goes to tokenwarden (the gateway routes /.well-known/oauth-protected-resource* there),
// with the forwarding headers a gateway sets; any other (the authorization server) goes out.
async function gateway(url, init = {}) {
  const target = new URL(url);
  if (target.origin !== server.origin) {
    return fetch(url, init);
  }
  const headers = new Headers(init.headers);
  headers.set('X-Forwarded-Proto', target.protocol.slice(0, -1));
  headers.set('X-Forwarded-Host', target.host);
  return fetch(new URL(target.pathname + target.search, tokenwarden), { ...init, headers });
}

// 1. The client asks for the resource without a token; the gateway asks /validate, whose
//    401 it passes back (nginx's auth_request copies WWW-Authenticate).
const challenge = await fetch(new URL('/validate', tokenwarden), {
  headers: {
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': server.host,
    'X-Forwarded-Uri': server.pathname,
  },
});
const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge);
// 2. The metadata at the URL the challenge named, as the SDK's auth() fetches it.
const metadata = await discoverOAuthProtectedResourceMetadata(
  server, { resourceMetadataUrl }, gateway);
// 3. The same without the challenge: the SDK's own probing, the path-suffixed URL of the
//    server URL first (RFC 9728 section 3.1), then the origin's.
const probed = await discoverOAuthProtectedResourceMetadata(server, {}, gateway);
// 4. The resource indicator the SDK will ask tokens for, once it has checked that the
//    metadata's resource covers the server URL.
const resource = await selectResourceURL(server, {}, metadata);
// 5. The authorization server the metadata names, by its own metadata.
const as = await discoverAuthorizationServerMetadata(metadata.authorization_servers[0], {
  fetchFn: gateway,
});

console.log(JSON.stringify({
  status: challenge.status,
  www_authenticate: challenge.headers.get('www-authenticate'),
  resource_metadata_url: resourceMetadataUrl?.href ?? null,
  metadata,
  probed,
  selected_resource: resource?.href ?? null,
  authorization_server: as ? { issuer: as.issuer, token_endpoint: as.token_endpoint } : null,
}));
