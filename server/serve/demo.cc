#include "server/serve/demo.h"

#include <span>

#include <openssl/curve25519.h>
#include <openssl/mem.h>
#include <openssl/rand.h>

#include "base/ascii.h"
#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/key_set.h"
#include "server/config/secret_hash.h"

namespace tokenwarden::server {
namespace {

constexpr char kDemoIssuer[] = "https://demo.tokenwarden.invalid";

std::string RandomText(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<uint8_t*>(raw.data()), raw.size());
  return base::Base64UrlEncode(raw);
}

}  // namespace

absl::StatusOr<DemoSetup> MakeDemo(const std::string& listen, const std::string& state_dir,
                                   int64_t now) {
  // Ed25519 (RFC 8037): a key pair is 32 random bytes and signing needs no encoding step.
  uint8_t public_key[32];
  uint8_t private_key[64];
  ED25519_keypair(public_key, private_key);
  const std::string jwks = base::StrCat(
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"demo-1","x":")",
      base::Base64UrlEncode(std::span<const uint8_t>(public_key)), R"("}]})");
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(jwks);
  if (!keys.ok()) {
    return keys.status();
  }

  DemoSetup demo;
  demo.issuer = kDemoIssuer;
  const std::string header = R"({"alg":"EdDSA","typ":"at+jwt","kid":"demo-1"})";
  const std::string payload = base::StrCat(
      R"({"iss":")", kDemoIssuer, R"(","sub":"alice","aud":"demo-api","client_id":"demo-app",)",
      R"("scope":"orders:read orders:write","iat":)", now, R"(,"exp":)", now + 3600, R"(,"jti":")",
      RandomText(12), R"("})");
  const std::string signing_input =
      base::StrCat(base::Base64UrlEncode(header), ".", base::Base64UrlEncode(payload));
  uint8_t signature[64];
  ED25519_sign(signature, reinterpret_cast<const uint8_t*>(signing_input.data()),
               signing_input.size(), private_key);
  OPENSSL_cleanse(private_key, sizeof(private_key));
  demo.token =
      base::StrCat(signing_input, ".", base::Base64UrlEncode(std::span<const uint8_t>(signature)));

  ServerConfig& config = demo.config;
  config.listen = {listen};
  config.workers = 2;
  IssuerConfig issuer;
  issuer.policy.issuer = kDemoIssuer;
  issuer.policy.audiences = {"demo-api"};
  issuer.policy.algorithms.Add(Algorithm::kEdDsa);
  issuer.policy.type = "at+jwt";
  issuer.policy.required_claims = {"sub"};
  issuer.policy.leeway_seconds = 30;
  issuer.jwks_file = "(in memory)";
  issuer.keys = *std::move(keys);
  issuer.route_scopes.push_back(RouteScopeRule{"", "/admin", {"orders:admin"}, std::nullopt});
  config.issuers.push_back(std::move(issuer));

  demo.client_id = "demo-gateway";
  demo.client_secret = RandomText(24);
  absl::StatusOr<SecretHash> hash = ParseSecretHash(HashSecret(demo.client_secret, 0));
  if (!hash.ok()) {
    return hash.status();
  }
  config.clients.push_back(ClientConfig{demo.client_id, *std::move(hash), {}, {}});
  config.denylist.log_path = state_dir + "/revocations.log";
  return demo;
}

std::string DemoInstructions(const DemoSetup& demo, const std::string& base_url) {
  const std::string auth = base::StrCat(demo.client_id, ":", demo.client_secret);
  return base::StrCat(
      "\ntokenwarden demo: serving ", base_url, " for issuer ", demo.issuer,
      " with an in-memory Ed25519 key.\n"
      "A sample access token (valid for an hour):\n\n"
      "  TOKEN=",
      demo.token,
      "\n\nTry, in another shell:\n"
      "  # RFC 7662 introspection, as the demo client (the secret exists only in this process)\n"
      "  curl -s -u ",
      auth, " -d \"token=$TOKEN\" ", base_url,
      "/introspect\n"
      "  # forward-auth, as nginx auth_request would ask: 200 with X-Auth-* headers\n"
      "  curl -si -H \"Authorization: Bearer $TOKEN\" ",
      base_url,
      "/validate\n"
      "  # a route that needs the scope orders:admin, which the token lacks: 403\n"
      "  curl -si -H \"Authorization: Bearer $TOKEN\" -H \"X-Forwarded-Uri: /admin/users\" ",
      base_url,
      "/validate\n"
      "  # RFC 7009 revocation; then the two calls above say inactive / 401\n"
      "  curl -si -u ",
      auth, " -d \"token=$TOKEN\" ", base_url,
      "/revoke\n"
      "  # Prometheus metrics, health\n"
      "  curl -s ",
      base_url, "/metrics\n  curl -s ", base_url,
      "/readyz\n\n"
      "Ctrl-C stops the server (in-flight requests finish first).\n");
}

}  // namespace tokenwarden::server
