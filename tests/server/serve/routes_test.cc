// Routes in-process: a ServerState with two issuers and three clients, requests built by hand
// and handed to Routes::Handle as the transport would, responses checked field by field. Also
// the reload race: workers validating while new states are published (a TSan target).

#include "server/serve/routes.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "core/algorithm.h"
#include "core/denylist.h"
#include "core/error.h"
#include "server/auth/client_auth.h"
#include "server/config/config.h"
#include "server/http/message.h"
#include "server/serve/metrics.h"
#include "server/serve/server_state.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::RsaKeyB;

constexpr std::string_view kIssA = "https://a.example";
constexpr std::string_view kIssB = "https://b.example";
constexpr int kWorkers = 2;

// Base64 is standard padded Base64 (RFC 4648 §4), as Basic credentials need.
std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const size_t left = in.size() - i;
  if (left == 1) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.append("==");
  } else if (left == 2) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::string Basic(std::string_view id, std::string_view secret) {
  return "Basic " + Base64(std::string(id) + ":" + std::string(secret));
}

// Claims builds a payload; `extra` is raw members appended (with a leading comma).
std::string Claims(std::string_view iss, std::string_view extra = "", int64_t exp = kNow + 3600) {
  return "{\"iss\":\"" + std::string(iss) + "\",\"sub\":\"alice\",\"exp\":" + std::to_string(exp) +
         std::string(extra) + "}";
}

// Tokens of issuer A are RS256 under kid "a1"; of issuer B ES256 under kid "b1".
std::string TokenA(std::string_view payload) {
  return MintAlg(Algorithm::kRs256, RsaKey(), payload, "a1");
}
std::string TokenB(std::string_view payload) {
  return MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256), payload, "b1");
}

// A valid token of issuer A: audience "api", scope "read", a jti.
std::string GoodA(std::string_view scope = "read") {
  return TokenA(
      Claims(kIssA, ",\"aud\":\"api\",\"scope\":\"" + std::string(scope) + "\",\"jti\":\"a-1\""));
}
// A valid token of issuer B, which requires scopes "read" and "write".
std::string GoodB(std::string_view scope = "read write") {
  return TokenB(Claims(kIssB, ",\"scope\":\"" + std::string(scope) + "\""));
}

// Req is a request as the transport would hand it over (the views are made in Handle).
struct Req {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int worker = 0;
  Listener listener = Listener::kOnly;

  Req& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

Req Post(std::string target, std::string body) {
  Req r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  r.Header("Content-Type", "application/x-www-form-urlencoded");
  return r;
}

Req ValidateReq(std::string_view token) {
  Req r;
  r.target = "/validate";
  r.Header("Authorization", "Bearer " + std::string(token));
  return r;
}

// HeaderValues returns every value of `name` (case-insensitive) in a response header block.
std::vector<std::string> HeaderValues(const http::Response& response, std::string_view name) {
  std::vector<std::string> out;
  std::string_view block = response.headers();
  while (!block.empty()) {
    const size_t end = block.find("\r\n");
    EXPECT_NE(end, std::string_view::npos) << response.headers();
    if (end == std::string_view::npos) {
      break;
    }
    const std::string_view line = block.substr(0, end);
    block.remove_prefix(end + 2);
    const size_t colon = line.find(": ");
    EXPECT_NE(colon, std::string_view::npos) << line;
    if (colon != std::string_view::npos && base::EqualsIgnoreCase(line.substr(0, colon), name)) {
      out.emplace_back(line.substr(colon + 2));
    }
  }
  return out;
}

std::optional<std::string> HeaderOf(const http::Response& response, std::string_view name) {
  const std::vector<std::string> values = HeaderValues(response, name);
  EXPECT_LE(values.size(), 1u) << name << " repeated in:\n" << response.headers();
  return values.empty() ? std::nullopt : std::optional<std::string>(values[0]);
}

// kDpopOffer follows every Bearer challenge: the issuers here take DPoP too (the default
// `dpop: allowed`), so a refusal offers that scheme as well (RFC 9449 §7.1).
constexpr std::string_view kDpopOffer =
    ", DPoP realm=\"tokenwarden\", algs=\"RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 "
    "EdDSA Ed25519\"";

std::string Challenge(std::string_view error, std::string_view description,
                      std::string_view scope = "") {
  std::string out = "Bearer realm=\"tokenwarden\", error=\"" + std::string(error) +
                    "\", error_description=\"" + std::string(description) + "\"";
  if (!scope.empty()) {
    out += ", scope=\"" + std::string(scope) + "\"";
  }
  return out + std::string(kDpopOffer);
}

std::string ErrorBody(std::string_view code, std::string_view description) {
  return "{\"error\":\"" + std::string(code) + "\",\"error_description\":\"" +
         std::string(description) + "\"}";
}

// Secrets are hashed once per process: the stored forms are random-salted.
struct Secrets {
  std::string all = HashSecret("s3cret", 0);
  std::string a_only = HashSecret("secret-a", 0);
  std::string aud_only = HashSecret("secret aud&more", 0);
};
const Secrets& StoredSecrets() {
  static const Secrets* secrets = new Secrets();
  return *secrets;
}

ClientConfig Client(std::string id, const std::string& stored, std::vector<std::string> issuers,
                    std::vector<std::string> audiences) {
  ClientConfig client;
  client.id = std::move(id);
  absl::StatusOr<SecretHash> hash = ParseSecretHash(stored);
  EXPECT_TRUE(hash.ok()) << hash.status();
  if (hash.ok()) {
    client.secret = *std::move(hash);
  }
  client.issuers = std::move(issuers);
  client.audiences = std::move(audiences);
  return client;
}

// MakeConfig is the configuration every test starts from; `extra_scope_a` adds a required
// scope to issuer A (to see a reload take effect).
ServerConfig MakeConfig(std::string_view extra_scope_a = "") {
  ServerConfig config;
  config.workers = kWorkers;

  IssuerConfig a;
  a.policy.issuer = std::string(kIssA);
  a.policy.audiences = {"api"};
  if (!extra_scope_a.empty()) {
    a.policy.required_scopes = {std::string(extra_scope_a)};
  }
  a.jwks_file = "a.json";
  a.keys = MustJwks(JwksOf({RsaKey().Jwk("a1")}));
  a.route_scopes.push_back(RouteScopeRule{"POST", "/admin", {"admin"}, std::nullopt});
  a.route_scopes.push_back(RouteScopeRule{"", "/orders", {"orders:read"}, std::nullopt});
  config.issuers.push_back(std::move(a));

  IssuerConfig b;
  b.policy.issuer = std::string(kIssB);
  b.policy.required_scopes = {"read", "write"};
  b.jwks_file = "b.json";
  b.keys = MustJwks(JwksOf({EcKey(Algorithm::kEs256).Jwk("b1")}));
  config.issuers.push_back(std::move(b));

  const Secrets& secrets = StoredSecrets();
  config.clients.push_back(Client("rs-all", secrets.all, {}, {}));
  config.clients.push_back(Client("rs-a", secrets.a_only, {std::string(kIssA)}, {}));
  config.clients.push_back(Client("rs aud", secrets.aud_only, {}, {"other-api"}));

  config.claim_headers.push_back(ClaimHeader{"roles", "X-Auth-Roles"});
  return config;
}

class RoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    denylist_ = std::make_shared<Denylist>(1024);
    Publish(MakeConfig());
    RouteDeps deps;
    deps.state = &holder_;
    deps.metrics = &metrics_;
    deps.denylist = denylist_.get();
    deps.log_committer = nullptr;
    deps.gauges = [](MetricsGauges& gauges) {
      gauges.open_connections = 3;
      gauges.reloads_ok = 1;
    };
    deps.clock = [this] { return now_.load(std::memory_order_relaxed); };
    routes_ = std::make_unique<Routes>(std::move(deps), kWorkers);
  }

  void Publish(ServerConfig config) {
    std::vector<std::string> warnings;
    const absl::Status published =
        PublishState(std::move(config), denylist_, kNow, holder_, nullptr, &warnings);
    ASSERT_TRUE(published.ok()) << published;
    EXPECT_TRUE(warnings.empty()) << warnings[0];
  }

  http::Response Handle(const Req& r) {
    std::vector<http::HeaderField> fields;
    for (const auto& [name, value] : r.headers) {
      fields.push_back(http::HeaderField{name, value});
    }
    http::Request request;
    request.method = r.method;
    request.target = r.target;
    const std::string_view target = r.target;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.has_query = q != std::string_view::npos;
    request.query = request.has_query ? target.substr(q + 1) : std::string_view();
    request.headers = fields;
    request.body = r.body;
    request.peer = "127.0.0.1:40000";
    request.worker = r.worker;
    http::Response response;
    routes_->Handle(request, response, r.listener);
    return response;
  }

  // Introspect asks as client rs-all (or `authorization`) about `token`.
  http::Response Introspect(std::string_view token, std::string authorization = "") {
    Req r = Post("/introspect", "token=" + std::string(token));
    r.Header("Authorization", authorization.empty() ? Basic("rs-all", "s3cret") : authorization);
    return Handle(r);
  }

  std::string MetricsText() {
    Req r;
    r.target = "/metrics";
    const http::Response response = Handle(r);
    EXPECT_EQ(response.status, 200);
    return response.body;
  }

  // HasMetric checks that the /metrics output has the line `sample value`.
  ::testing::AssertionResult HasMetric(std::string_view sample, uint64_t value) {
    const std::string body = MetricsText();
    const std::string line = std::string(sample) + " " + std::to_string(value) + "\n";
    if (body.find(line) == std::string::npos) {
      return ::testing::AssertionFailure() << "no line \"" << line << "\" in:\n" << body;
    }
    return ::testing::AssertionSuccess();
  }

  std::atomic<int64_t> now_{kNow};
  std::shared_ptr<Denylist> denylist_;
  StateHolder holder_;
  Metrics metrics_{kWorkers};
  std::unique_ptr<Routes> routes_;
};

constexpr std::string_view kInactive = "{\"active\":false}";

// --- /introspect ---------------------------------------------------------------------------

TEST_F(RoutesTest, IntrospectActiveToken) {
  const http::Response response = Introspect(GoodA());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            "{\"active\":true,\"iss\":\"https://a.example\",\"sub\":\"alice\",\"exp\":1700003600,"
            "\"aud\":\"api\",\"scope\":\"read\",\"jti\":\"a-1\",\"token_type\":\"Bearer\"}");
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
}

TEST_F(RoutesTest, IntrospectActiveTokenOfTheSecondIssuer) {
  const http::Response response =
      Introspect(TokenB(Claims(kIssB, ",\"scp\":[\"read\",\"write\"],\"active\":false")));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body,
            "{\"active\":true,\"iss\":\"https://b.example\",\"sub\":\"alice\",\"exp\":1700003600,"
            "\"scp\":[\"read\",\"write\"],\"scope\":\"read write\",\"token_type\":\"Bearer\"}");
}

TEST_F(RoutesTest, IntrospectInactiveTokens) {
  const std::vector<std::pair<std::string, std::string>> tokens = {
      {"expired", TokenA(Claims(kIssA, ",\"aud\":\"api\"", kNow - 10))},
      {"wrong audience", TokenA(Claims(kIssA, ",\"aud\":\"nope\""))},
      {"garbage", "not-a-token"},
      {"no issuer", TokenA("{\"sub\":\"alice\",\"aud\":\"api\",\"exp\":1700003600}")},
      {"issuer B lacks a required scope", GoodB("read")},
      {"tampered", GoodA() + "x"},
  };
  for (const auto& [what, token] : tokens) {
    const http::Response response = Introspect(token);
    EXPECT_EQ(response.status, 200) << what;
    EXPECT_EQ(response.body, kInactive) << what;
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store") << what;
  }
}

// Entra ID style `scp` as a space-separated string: RFC 7662 wants it as `scope`.
TEST_F(RoutesTest, IntrospectScpStringBecomesScope) {
  const http::Response response = Introspect(TokenB(Claims(kIssB, ",\"scp\":\"read write\"")));
  EXPECT_EQ(response.body,
            "{\"active\":true,\"iss\":\"https://b.example\",\"sub\":\"alice\",\"exp\":1700003600,"
            "\"scp\":\"read write\",\"scope\":\"read write\",\"token_type\":\"Bearer\"}");
}

// An issuer configured for larger tokens (max_token_bytes up to 1 MiB): the core accepts them.
TEST_F(RoutesTest, TokenLargerThan16KiBWithinTheIssuersLimit) {
  ServerConfig config = MakeConfig();
  config.issuers[0].policy.max_token_bytes = 1 << 16;
  Publish(std::move(config));
  const std::string token = TokenA(Claims(
      kIssA, ",\"aud\":\"api\",\"scope\":\"read\",\"pad\":\"" + std::string(20000, 'p') + "\""));
  ASSERT_GT(token.size(), 16384u);
  ASSERT_LT(token.size(), 1u << 16);
  EXPECT_EQ(Handle(ValidateReq(token)).status, 200);
  EXPECT_TRUE(Introspect(token).body.starts_with("{\"active\":true,"));
}

TEST_F(RoutesTest, TokenOfIssuerASignedWithIssuerBsKeyIsInactive) {
  // B's key, B's kid: A's key set has no such key.
  EXPECT_EQ(Introspect(TokenB(Claims(kIssA, ",\"aud\":\"api\""))).body, kInactive);
  // B's key under A's kid.
  EXPECT_EQ(Introspect(MintAlg(Algorithm::kEs256, EcKey(Algorithm::kEs256),
                               Claims(kIssA, ",\"aud\":\"api\""), "a1"))
                .body,
            kInactive);
  // Another RSA key under A's kid: the signature does not verify.
  EXPECT_EQ(
      Introspect(MintAlg(Algorithm::kRs256, RsaKeyB(), Claims(kIssA, ",\"aud\":\"api\""), "a1"))
          .body,
      kInactive);
  // And the other way round: B's iss, A's key.
  EXPECT_EQ(Introspect(TokenA(Claims(kIssB, ",\"scope\":\"read write\""))).body, kInactive);
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"invalid_signature\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"ok\"}", 0));
}

TEST_F(RoutesTest, UnknownIssuerIsInactive) {
  EXPECT_EQ(Introspect(TokenA(Claims("https://evil.example", ",\"aud\":\"api\""))).body, kInactive);
  // A prefix or a case variant of a trusted issuer is another issuer.
  EXPECT_EQ(Introspect(TokenA(Claims("https://a.example/", ",\"aud\":\"api\""))).body, kInactive);
  EXPECT_EQ(Introspect(TokenA(Claims("HTTPS://A.EXAMPLE", ",\"aud\":\"api\""))).body, kInactive);
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"unknown_issuer\"}", 3));
}

TEST_F(RoutesTest, ClientLimitedToIssuerASeesBsTokensAsInactive) {
  const std::string as_a = Basic("rs-a", "secret-a");
  EXPECT_EQ(Introspect(GoodB(), as_a).body, kInactive);
  const http::Response a = Introspect(GoodA(), as_a);
  EXPECT_EQ(a.status, 200);
  EXPECT_TRUE(a.body.starts_with("{\"active\":true,")) << a.body;
  // The unlimited client sees B's token.
  EXPECT_TRUE(Introspect(GoodB()).body.starts_with("{\"active\":true,"));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"outside_caller_scope\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"ok\"}", 2));
}

TEST_F(RoutesTest, ClientLimitedToAnAudience) {
  // Basic credentials are form-urlencoded before Base64 (RFC 6749 §2.3.1).
  const std::string as_aud = Basic("rs+aud", "secret+aud%26more");
  EXPECT_EQ(Introspect(GoodA(), as_aud).body, kInactive);
  const http::Response both =
      Introspect(TokenA(Claims(kIssA, ",\"aud\":[\"api\",\"other-api\"]")), as_aud);
  EXPECT_TRUE(both.body.starts_with("{\"active\":true,")) << both.body;
}

TEST_F(RoutesTest, ClientSecretPost) {
  const http::Response ok =
      Handle(Post("/introspect", "client_id=rs-all&client_secret=s3cret&token=" + GoodA()));
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.body.starts_with("{\"active\":true,")) << ok.body;

  const http::Response wrong =
      Handle(Post("/introspect", "client_id=rs-all&client_secret=nope&token=" + GoodA()));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(HeaderOf(wrong, "WWW-Authenticate"), "Basic realm=\"tokenwarden\"");

  const http::Response no_id = Handle(Post("/introspect", "client_secret=s3cret&token=x"));
  EXPECT_EQ(no_id.status, 401);
}

TEST_F(RoutesTest, IntrospectRequiresClientAuthentication) {
  const http::Response none = Handle(Post("/introspect", "token=" + GoodA()));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, ErrorBody("invalid_client", "client authentication required"));
  EXPECT_EQ(HeaderOf(none, "WWW-Authenticate"), "Basic realm=\"tokenwarden\"");

  for (const std::string& auth :
       {Basic("rs-all", "wrong"), Basic("nobody", "s3cret"), Basic("rs-a", "s3cret"),
        std::string("Basic !!!"), std::string("Digest x=1")}) {
    const http::Response response = Introspect(GoodA(), auth);
    EXPECT_EQ(response.status, 401) << auth;
    EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Basic realm=\"tokenwarden\"") << auth;
    EXPECT_EQ(response.body.find("active"), std::string::npos) << auth;
  }
  // No bearer callers are configured.
  const http::Response bearer = Introspect(GoodA(), "Bearer " + GoodA());
  EXPECT_EQ(bearer.status, 401);
}

TEST_F(RoutesTest, IntrospectRequestErrors) {
  // Two authentication methods.
  Req both = Post("/introspect", "client_id=rs-all&client_secret=s3cret&token=" + GoodA());
  both.Header("Authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(both).status, 400);
  // Two Authorization headers.
  Req twice = Post("/introspect", "token=" + GoodA());
  twice.Header("Authorization", Basic("rs-all", "s3cret"));
  twice.Header("authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(twice).status, 400);
  // client_id in the body differing from the Basic user.
  Req differ = Post("/introspect", "client_id=rs-a&token=" + GoodA());
  differ.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response differ_response = Handle(differ);
  EXPECT_EQ(differ_response.status, 400);
  EXPECT_EQ(differ_response.body,
            ErrorBody("invalid_request", "client_id differs from the Basic user"));

  // Repeated parameters, even once decoded.
  Req repeated = Post("/introspect", "token=a&t%6Fken=b");
  repeated.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response rep = Handle(repeated);
  EXPECT_EQ(rep.status, 400);
  EXPECT_EQ(rep.body, ErrorBody("invalid_request", "parameter \\\"token\\\" is repeated"));

  Req bad = Post("/introspect", "token=%zz");
  bad.Header("Authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(bad).status, 400);

  Req missing = Post("/introspect", "token_type_hint=access_token");
  missing.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response miss = Handle(missing);
  EXPECT_EQ(miss.status, 400);
  EXPECT_EQ(miss.body, ErrorBody("invalid_request", "the token parameter is required"));

  Req empty = Post("/introspect", "token=");
  empty.Header("Authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(empty).status, 400);

  Req json = Post("/introspect", "token=" + GoodA());
  json.headers[0].second = "application/json";
  json.Header("Authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(json).status, 400);

  Req no_type = Post("/introspect", "token=" + GoodA());
  no_type.headers.clear();
  no_type.Header("Authorization", Basic("rs-all", "s3cret"));
  EXPECT_EQ(Handle(no_type).status, 400);

  // Media type parameters and case are fine.
  Req charset = Post("/introspect", "token=" + GoodA() + "&token_type_hint=refresh_token");
  charset.headers[0].second = "Application/X-WWW-Form-Urlencoded ; charset=UTF-8";
  charset.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response ok = Handle(charset);
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.body.starts_with("{\"active\":true,")) << ok.body;
}

TEST_F(RoutesTest, IntrospectAndRevokeArePostOnlyWithoutQuery) {
  for (std::string_view path : {"/introspect", "/revoke"}) {
    Req get;
    get.target = std::string(path);
    get.Header("Authorization", Basic("rs-all", "s3cret"));
    const http::Response g = Handle(get);
    EXPECT_EQ(g.status, 405) << path;
    EXPECT_EQ(HeaderOf(g, "Allow"), "POST") << path;

    Req query = Post(std::string(path) + "?token=" + GoodA(), "");
    query.Header("Authorization", Basic("rs-all", "s3cret"));
    const http::Response q = Handle(query);
    EXPECT_EQ(q.status, 405) << path;
    EXPECT_EQ(HeaderOf(q, "Allow"), "POST") << path;
    EXPECT_EQ(q.body.find("active"), std::string::npos);

    // Even an empty query.
    Req empty_query = Post(std::string(path) + "?", "token=" + GoodA());
    empty_query.Header("Authorization", Basic("rs-all", "s3cret"));
    EXPECT_EQ(Handle(empty_query).status, 405) << path;
  }
}

TEST_F(RoutesTest, IntrospectOnBothWorkers) {
  Req r = Post("/introspect", "token=" + GoodA());
  r.Header("Authorization", Basic("rs-all", "s3cret"));
  for (int worker = 0; worker < kWorkers; ++worker) {
    r.worker = worker;
    const http::Response response = Handle(r);
    EXPECT_TRUE(response.body.starts_with("{\"active\":true,")) << worker;
  }
}

// --- /validate -----------------------------------------------------------------------------

TEST_F(RoutesTest, ValidateOkWithClaimHeaders) {
  const http::Response response = Handle(ValidateReq(
      TokenA(Claims(kIssA, ",\"aud\":\"api\",\"scope\":\"read\",\"roles\":[\"admin\",\"ops\"]"))));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(response.content_type, "");
  EXPECT_EQ(response.headers(),
            "X-Auth-Subject: alice\r\nX-Auth-Scope: read\r\nX-Auth-Roles: admin ops\r\n");
}

// Okta's scp and cid feed the default X-Auth-Scope and X-Auth-Client-Id like scope and
// client_id do (one claims model: core ClaimText).
TEST_F(RoutesTest, ValidateClaimHeadersReadOktaClaims) {
  ServerConfig config = MakeConfig();
  config.claim_headers = ServerConfig().claim_headers;  // the defaults
  Publish(std::move(config));
  const http::Response response = Handle(ValidateReq(
      TokenA(Claims(kIssA, R"(,"aud":"api","scp":["read","profile"],"cid":"0oa-client")"))));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers(),
            "X-Auth-Subject: alice\r\nX-Auth-Scope: read profile\r\n"
            "X-Auth-Client-Id: 0oa-client\r\n");
}

// An issuer's own claim headers (a profile's) come after the top-level ones and replace a
// top-level mapping of the same header; another issuer's tokens do not get them.
TEST_F(RoutesTest, ValidateAddsTheIssuersOwnClaimHeaders) {
  ServerConfig config = MakeConfig();
  config.issuers[0].claim_headers = {{"realm_access.roles", "x-auth-roles"},
                                     {"uid", "X-Auth-User-Id"}};
  Publish(std::move(config));
  const http::Response a = Handle(ValidateReq(TokenA(Claims(
      kIssA, R"(,"aud":"api","roles":["top"],"realm_access":{"roles":["r1","r2"]},"uid":"u1")"))));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.headers(), "X-Auth-Subject: alice\r\nx-auth-roles: r1 r2\r\nX-Auth-User-Id: u1\r\n");
  const http::Response b = Handle(
      ValidateReq(TokenB(Claims(kIssB, R"(,"scope":"read write","roles":"top","uid":"u")"))));
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.headers(),
            "X-Auth-Subject: alice\r\nX-Auth-Scope: read write\r\nX-Auth-Roles: top\r\n");
}

TEST_F(RoutesTest, ValidateAcceptsAnyMethodAndSchemeCase) {
  for (const char* method : {"GET", "POST", "HEAD", "DELETE"}) {
    Req r = ValidateReq(GoodA());
    r.method = method;
    EXPECT_EQ(Handle(r).status, 200) << method;
  }
  Req lower;
  lower.target = "/validate";
  lower.Header("authorization", "bearer " + GoodA());
  EXPECT_EQ(Handle(lower).status, 200);
}

TEST_F(RoutesTest, ValidateClaimWithNewlineIsNotSentAsAHeader) {
  const http::Response response = Handle(
      ValidateReq(TokenA("{\"iss\":\"https://a.example\",\"sub\":\"evil\\r\\nSet-Cookie: x=1\","
                         "\"aud\":\"api\",\"exp\":1700003600,\"scope\":\"read\"}")));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers(), "X-Auth-Scope: read\r\n");
}

// RFC 6750 §2.1 b64token: token characters, then only '=' padding. Anything else is refused
// before any decoding, with the route's own description; a well-formed b64token that is not
// a JWT goes on to the core.
TEST_F(RoutesTest, ValidateChecksTheB64TokenGrammar) {
  const std::string_view refused = "the bearer token is malformed";
  const std::vector<std::string> bad = {"=",   "==abc", "ab=c", "a b", "a\"b",   "a,b",
                                        "a@b", "a%b",   "a;b",  "é",   "a\x01b", "ab=\x7f"};
  for (const std::string& token : bad) {
    const http::Response r = Handle(ValidateReq(token));
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(r.body, ErrorBody("invalid_token", refused)) << token;
  }
  const std::vector<std::string> shaped = {"aZ09-._~+/", "abc=", "abc==", "A.B.C", "z"};
  for (const std::string& token : shaped) {
    const http::Response r = Handle(ValidateReq(token));
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_NE(r.body, ErrorBody("invalid_token", refused)) << token;
  }
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
}

TEST_F(RoutesTest, ValidateWithoutCredentialsIsABareChallenge) {
  Req r;
  r.target = "/validate";
  const http::Response response = Handle(r);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            "Bearer realm=\"tokenwarden\"" + std::string(kDpopOffer));
  EXPECT_EQ(response.body, ErrorBody("invalid_request", "a bearer token is required"));

  Req basic;
  basic.target = "/validate";
  basic.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response b = Handle(basic);
  EXPECT_EQ(b.status, 401);
  EXPECT_EQ(HeaderOf(b, "WWW-Authenticate"),
            "Bearer realm=\"tokenwarden\"" + std::string(kDpopOffer));
}

TEST_F(RoutesTest, ValidateInvalidTokenChallenges) {
  const http::Response malformed = Handle(ValidateReq("abc$def"));
  EXPECT_EQ(malformed.status, 401);
  EXPECT_EQ(HeaderOf(malformed, "WWW-Authenticate"),
            Challenge("invalid_token", "the bearer token is malformed"));
  EXPECT_EQ(malformed.body, ErrorBody("invalid_token", "the bearer token is malformed"));

  const http::Response expired =
      Handle(ValidateReq(TokenA(Claims(kIssA, ",\"aud\":\"api\"", kNow - 1))));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(HeaderOf(expired, "WWW-Authenticate"),
            Challenge("invalid_token", ErrorSummary(Error::kExpired)));

  const http::Response unknown =
      Handle(ValidateReq(TokenA(Claims("https://evil.example", ",\"aud\":\"api\""))));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(HeaderOf(unknown, "WWW-Authenticate"),
            Challenge("invalid_token", "the token's issuer is not trusted"));

  const http::Response wrong_key = Handle(
      ValidateReq(MintAlg(Algorithm::kRs256, RsaKeyB(), Claims(kIssA, ",\"aud\":\"api\""), "a1")));
  EXPECT_EQ(wrong_key.status, 401);
  EXPECT_EQ(HeaderOf(wrong_key, "WWW-Authenticate"),
            Challenge("invalid_token", ErrorSummary(Error::kInvalidSignature)));

  const http::Response audience = Handle(ValidateReq(TokenA(Claims(kIssA, ",\"aud\":\"nope\""))));
  EXPECT_EQ(audience.status, 401);
  EXPECT_EQ(HeaderOf(audience, "WWW-Authenticate"),
            Challenge("invalid_token", ErrorSummary(Error::kInvalidAudience)));

  // Every challenge parameter value is a quoted-string RFC 6750 §3 allows.
  for (const http::Response* r : {&malformed, &expired, &unknown, &wrong_key, &audience}) {
    const std::string value = HeaderOf(*r, "WWW-Authenticate").value_or("");
    for (char c : value) {
      EXPECT_TRUE(c >= 0x20 && c <= 0x7e && c != '\\') << value;
    }
    EXPECT_EQ(r->headers().find("X-Auth-"), std::string::npos);
  }
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"malformed\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"expired\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"unknown_issuer\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"invalid_signature\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"invalid_audience\"}", 1));
}

// A malformed token's error_description carries the core's detail (which part is wrong):
// the only thing that tells a client what to fix. In the header it keeps to RFC 6750 §3's
// characters ("§" spelled out); in the JSON body it is the core's text as is.
TEST_F(RoutesTest, ValidateMalformedCarriesTheCoresDetail) {
  constexpr std::string_view kSummary = "the token is not a well-formed compact JWS carrying a JWT";
  const std::string jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn";
  const std::string jwe_detail = StrCat(kSummary,
                                        ": it has five segments, an encrypted token (JWE), which "
                                        "is not supported: only signed tokens (JWS) are verified");
  for (const bool one_issuer : {false, true}) {
    SCOPED_TRACE(one_issuer ? "one issuer" : "two issuers");
    if (one_issuer) {
      ServerConfig config = MakeConfig();
      config.issuers.pop_back();
      Publish(std::move(config));
    }
    const http::Response r = Handle(ValidateReq(jwe));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), Challenge("invalid_token", jwe_detail));
    EXPECT_EQ(r.body, ErrorBody("invalid_token", jwe_detail));

    const http::Response b64 = Handle(ValidateReq("abc.d~f.ghi"));
    EXPECT_EQ(
        HeaderOf(b64, "WWW-Authenticate"),
        Challenge("invalid_token", StrCat(kSummary,
                                          ": every segment must be canonical unpadded base64url "
                                          "(RFC 7515 section 2)")));
    EXPECT_EQ(b64.body,
              ErrorBody("invalid_token", StrCat(kSummary,
                                                ": every segment must be canonical unpadded "
                                                "base64url (RFC 7515 \xc2\xa7"
                                                "2)")));
  }
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"malformed\"}", 4));
  // A scheme given twice is not passed to the core (a space is no token character), but the
  // description still says what is wrong.
  EXPECT_EQ(HeaderOf(Handle(ValidateReq(StrCat("Bearer ", GoodA()))), "WWW-Authenticate"),
            Challenge("invalid_token",
                      "the bearer token is malformed: the Bearer scheme is given twice"));
}

// With several issuers a token whose payload cannot be read names no issuer: it is malformed
// (as with one issuer), not "issuer not trusted".
TEST_F(RoutesTest, ValidateUnreadableTokenIsMalformedWithSeveralIssuers) {
  for (const std::string& token : {std::string("opaque-looking-token"), std::string("a.b.c"),
                                   TokenA("{\"iss\":\"https://a.example\",\"exp\":\"soon\"}")}) {
    const http::Response r = Handle(ValidateReq(token));
    EXPECT_EQ(r.status, 401) << token;
    const std::optional<std::string> challenge = HeaderOf(r, "WWW-Authenticate");
    ASSERT_TRUE(challenge.has_value());
    EXPECT_NE(challenge->find("well-formed compact JWS"), std::string::npos) << *challenge;
  }
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"malformed\"}", 3));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"unknown_issuer\"}", 0));
}

// With one issuer configured, a token of another issuer is answered as with two: "issuer not
// trusted", counted as unknown_issuer, whatever the Validator met first (another kid, our key
// under a foreign iss, no iss at all).
TEST_F(RoutesTest, OneIssuerSaysIssuerNotTrustedAsTwoDo) {
  ServerConfig config = MakeConfig();
  config.issuers.pop_back();  // issuer A only
  Publish(std::move(config));
  const std::string untrusted = Challenge("invalid_token", "the token's issuer is not trusted");
  for (const std::string& token : {GoodB(), TokenA(Claims(kIssB, ",\"aud\":\"api\"")),
                                   TokenA("{\"sub\":\"alice\",\"aud\":\"api\",\"exp\":1700003600}"),
                                   TokenB(Claims("https://evil.example", ",\"aud\":\"api\""))}) {
    const http::Response r = Handle(ValidateReq(token));
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), untrusted) << token;
    EXPECT_EQ(Introspect(token).body, kInactive);
  }
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"unknown_issuer\"}", 8));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"invalid_issuer\"}", 0));
  // The issuer's own tokens are judged as before.
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
  const http::Response expired =
      Handle(ValidateReq(TokenA(Claims(kIssA, ",\"aud\":\"api\"", kNow - 1))));
  EXPECT_EQ(HeaderOf(expired, "WWW-Authenticate"),
            Challenge("invalid_token", ErrorSummary(Error::kExpired)));
}

TEST_F(RoutesTest, ValidateTwoAuthorizationHeaders) {
  Req r = ValidateReq(GoodA());
  r.Header("Authorization", "Bearer " + GoodA());
  const http::Response response = Handle(r);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            Challenge("invalid_request", "more than one Authorization header"));
}

TEST_F(RoutesTest, ValidateIssuerRequiredScopes) {
  EXPECT_EQ(Handle(ValidateReq(GoodB())).status, 200);
  const http::Response response = Handle(ValidateReq(GoodB("read")));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "read write"));
  EXPECT_EQ(response.body, ErrorBody("insufficient_scope", "the token lacks a required scope"));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"insufficient_scope\"}", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"ok\"}", 1));
}

TEST_F(RoutesTest, ValidateRouteRulesWithForwardedHeaders) {
  auto call = [&](std::string_view token, std::vector<std::pair<std::string, std::string>> h) {
    Req r = ValidateReq(token);
    for (auto& [name, value] : h) {
      r.Header(name, value);
    }
    return Handle(r);
  };
  // POST under /admin needs "admin".
  const http::Response admin =
      call(GoodA(), {{"X-Forwarded-Method", "POST"}, {"X-Forwarded-Uri", "/admin/users?x=1"}});
  EXPECT_EQ(admin.status, 403);
  EXPECT_EQ(HeaderOf(admin, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "admin"));
  EXPECT_EQ(call(GoodA("read admin"),
                 {{"X-Forwarded-Method", "POST"}, {"X-Forwarded-Uri", "/admin/users"}})
                .status,
            200);
  // The rule names POST only.
  EXPECT_EQ(
      call(GoodA(), {{"X-Forwarded-Method", "GET"}, {"X-Forwarded-Uri", "/admin/users"}}).status,
      200);
  // Method names are case-sensitive.
  EXPECT_EQ(call(GoodA(), {{"X-Forwarded-Method", "post"}, {"X-Forwarded-Uri", "/admin"}}).status,
            200);
  // nginx's names.
  EXPECT_EQ(call(GoodA(), {{"X-Original-Method", "POST"}, {"X-Original-URI", "/admin"}}).status,
            403);
  // Any method under /orders needs "orders:read".
  const http::Response orders = call(GoodA(), {{"X-Original-URI", "/orders/7"}});
  EXPECT_EQ(orders.status, 403);
  EXPECT_EQ(HeaderOf(orders, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "orders:read"));
  EXPECT_EQ(call(GoodA("read orders:read"), {{"X-Original-URI", "/orders/7"}}).status, 200);
  // Paths only: the query is not matched.
  EXPECT_EQ(call(GoodA(), {{"X-Forwarded-Uri", "/public?next=/orders"}}).status, 200);
  // Two sources that disagree are refused, whichever way round (regression: X-Forwarded-Uri
  // used to win, so a client could pass its own past a gateway that set X-Original-URI).
  EXPECT_EQ(call(GoodA(), {{"X-Forwarded-Uri", "/public"}, {"X-Original-URI", "/orders/7"}}).status,
            400);
  EXPECT_EQ(call(GoodA(), {{"X-Forwarded-Uri", "/orders/7"}, {"X-Original-URI", "/public"}}).status,
            400);
  EXPECT_EQ(
      call(GoodA(), {{"X-Forwarded-Uri", "/orders/7"}, {"X-Original-URI", "/orders/7?a"}}).status,
      403);
  // No original request at all: no rule applies.
  EXPECT_EQ(call(GoodA(), {}).status, 200);
  // Rules belong to issuer A: B's token is not subject to them.
  EXPECT_EQ(call(GoodB(), {{"X-Original-URI", "/orders/7"}}).status, 200);
}

TEST_F(RoutesTest, ValidateRequiredScopesHeader) {
  auto call = [&](std::string_view token, std::string scopes, std::string uri = "") {
    Req r = ValidateReq(token);
    r.Header("X-Required-Scopes", std::move(scopes));
    if (!uri.empty()) {
      r.Header("X-Original-URI", std::move(uri));
    }
    return Handle(r);
  };
  EXPECT_EQ(call(GoodA(), "read").status, 200);
  EXPECT_EQ(call(GoodA(), "").status, 200);
  const http::Response missing = call(GoodA(), "read  extra");
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(HeaderOf(missing, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "read extra"));
  EXPECT_EQ(call(GoodA("read extra"), "read  extra").status, 200);
  // Route rules and the header add up; the challenge lists all of them.
  const http::Response combined = call(GoodA("extra"), "extra", "/orders/1");
  EXPECT_EQ(combined.status, 403);
  EXPECT_EQ(
      HeaderOf(combined, "WWW-Authenticate"),
      Challenge("insufficient_scope", "the token lacks a required scope", "orders:read extra"));
  EXPECT_EQ(call(GoodA("extra orders:read"), "extra", "/orders/1").status, 200);
  // A scope value a quoted-string cannot carry is replaced in the challenge.
  const http::Response quoted = call(GoodA(), "a\"b");
  EXPECT_EQ(quoted.status, 403);
  EXPECT_EQ(HeaderOf(quoted, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "a'b"));
}

TEST_F(RoutesTest, ValidateCacheHitsAreCounted) {
  const std::string token = GoodA();
  EXPECT_EQ(Handle(ValidateReq(token)).status, 200);
  const http::Response second = Handle(ValidateReq(token));
  EXPECT_EQ(second.status, 200);
  // The cached answer carries the same claim headers.
  EXPECT_EQ(second.headers(), "X-Auth-Subject: alice\r\nX-Auth-Scope: read\r\n");
  EXPECT_TRUE(HasMetric("tokenwarden_cache_hits_total", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_cache_misses_total", 1));
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"ok\"}", 2));
}

// --- /revoke -------------------------------------------------------------------------------

TEST_F(RoutesTest, RevokeThenIntrospectIsInactive) {
  const std::string token = GoodA();
  ASSERT_TRUE(Introspect(token).body.starts_with("{\"active\":true,"));
  ASSERT_EQ(Handle(ValidateReq(token)).status, 200);  // also puts it in the cache

  Req revoke = Post("/revoke", "token=" + token + "&token_type_hint=access_token");
  revoke.Header("Authorization", Basic("rs-all", "s3cret"));
  const http::Response revoked = Handle(revoke);
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.body, "");
  EXPECT_EQ(revoked.content_type, "");
  EXPECT_EQ(denylist_->size(), 1u);

  EXPECT_EQ(Introspect(token).body, kInactive);
  const http::Response validate = Handle(ValidateReq(token));
  EXPECT_EQ(validate.status, 401);
  EXPECT_EQ(HeaderOf(validate, "WWW-Authenticate"),
            Challenge("invalid_token", ErrorSummary(Error::kRevoked)));
  // On the other worker too (its own scratch and cache reader).
  Req other = ValidateReq(token);
  other.worker = 1;
  EXPECT_EQ(Handle(other).status, 401);
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"revoked\"}", 3));
  EXPECT_TRUE(HasMetric("tokenwarden_denylist_entries", 1));

  // Revoking again is still a 200 and adds nothing.
  EXPECT_EQ(Handle(revoke).status, 200);
  EXPECT_EQ(denylist_->size(), 1u);
  // A token of the same issuer with another jti is untouched.
  EXPECT_TRUE(Introspect(TokenA(Claims(kIssA, ",\"aud\":\"api\",\"jti\":\"a-2\"")))
                  .body.starts_with("{\"active\":true,"));
}

TEST_F(RoutesTest, RevocationSurvivesAReload) {
  const std::string token = GoodA();
  Req revoke = Post("/revoke", "token=" + token);
  revoke.Header("Authorization", Basic("rs-all", "s3cret"));
  ASSERT_EQ(Handle(revoke).status, 200);
  Publish(MakeConfig());
  EXPECT_EQ(Introspect(token).body, kInactive);
  EXPECT_EQ(Handle(ValidateReq(token)).status, 401);
}

TEST_F(RoutesTest, RevokeIgnoresWhatTheCallerMayNotRevoke) {
  auto revoke = [&](const std::string& token, const std::string& auth) {
    Req r = Post("/revoke", "token=" + token);
    r.Header("Authorization", auth);
    return Handle(r);
  };
  // Outside the caller's issuers.
  EXPECT_EQ(revoke(GoodB(), Basic("rs-a", "secret-a")).status, 200);
  // Outside the caller's audiences.
  EXPECT_EQ(revoke(GoodA(), Basic("rs+aud", "secret+aud%26more")).status, 200);
  // Unverifiable, unknown issuer, garbage.
  EXPECT_EQ(revoke(MintAlg(Algorithm::kRs256, RsaKeyB(), Claims(kIssA, ",\"aud\":\"api\""), "a1"),
                   Basic("rs-all", "s3cret"))
                .status,
            200);
  EXPECT_EQ(revoke(TokenA(Claims("https://evil.example")), Basic("rs-all", "s3cret")).status, 200);
  EXPECT_EQ(revoke("garbage", Basic("rs-all", "s3cret")).status, 200);
  // An already-expired token needs no revocation.
  EXPECT_EQ(revoke(TokenA(Claims(kIssA, ",\"aud\":\"api\"", kNow - 100)), Basic("rs-all", "s3cret"))
                .status,
            200);
  EXPECT_EQ(denylist_->size(), 0u);
  EXPECT_TRUE(Introspect(GoodB()).body.starts_with("{\"active\":true,"));
  EXPECT_TRUE(Introspect(GoodA()).body.starts_with("{\"active\":true,"));

  // Authentication is still required.
  const http::Response anonymous = Handle(Post("/revoke", "token=" + GoodA()));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(denylist_->size(), 0u);
}

// --- /healthz, /readyz, /metrics, unknown paths -------------------------------------------

TEST_F(RoutesTest, HealthAndReadiness) {
  Req health;
  health.target = "/healthz";
  const http::Response h = Handle(health);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "{\"status\":\"ok\"}");

  Req ready;
  ready.target = "/readyz";
  ready.method = "HEAD";
  const http::Response r = Handle(ready);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"status\":\"ready\",\"issuers\":{\"https://a.example\":{\"ready\":true},"
            "\"https://b.example\":{\"ready\":true}}}");

  Req post;
  post.method = "POST";
  post.target = "/healthz";
  const http::Response p = Handle(post);
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(HeaderOf(p, "Allow"), "GET, HEAD");

  Req unknown;
  unknown.target = "/introspect/";
  EXPECT_EQ(Handle(unknown).status, 404);
  unknown.target = "/";
  EXPECT_EQ(Handle(unknown).status, 404);
}

// --- the admin listener ----------------------------------------------------------------------

Req On(Listener listener, std::string method, std::string target) {
  Req r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.listener = listener;
  return r;
}

// Without an admin listener the one port serves every route, and a miss lists them all.
TEST_F(RoutesTest, OneListenerServesEveryRoute) {
  for (const char* target : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(Handle(On(Listener::kOnly, "GET", target)).status, 200) << target;
  }
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
  const http::Response miss = Handle(On(Listener::kOnly, "GET", "/nope"));
  EXPECT_EQ(miss.status, 404);
  EXPECT_EQ(miss.body,
            "{\"error\":\"not_found\",\"error_description\":\"no such endpoint: try "
            "/introspect, /revoke, /revoke-by-attribute, /validate, /healthz, /readyz, "
            "/metrics\"}");
}

// On the public port an admin route is answered exactly as a path that does not exist, whatever
// the method (no 405 that would betray it); /healthz stays.
TEST_F(RoutesTest, PublicListenerHidesTheAdminRoutes) {
  const http::Response miss = Handle(On(Listener::kPublic, "GET", "/nope"));
  EXPECT_EQ(miss.status, 404);
  EXPECT_EQ(miss.content_type, "application/json");
  EXPECT_EQ(miss.body,
            "{\"error\":\"not_found\",\"error_description\":\"no such endpoint: try "
            "/introspect, /revoke, /validate, /healthz\"}");
  for (const char* method : {"GET", "HEAD", "POST"}) {
    for (const char* target :
         {"/metrics", "/readyz", "/readyz?verbose=1", "/revoke-by-attribute"}) {
      const http::Response hidden = Handle(On(Listener::kPublic, method, target));
      EXPECT_EQ(hidden.status, 404) << method << " " << target;
      EXPECT_EQ(hidden.body, miss.body) << method << " " << target;
      EXPECT_EQ(hidden.headers(), miss.headers()) << method << " " << target;
    }
  }
  EXPECT_EQ(Handle(On(Listener::kPublic, "GET", "/healthz")).status, 200);
  Req validate = ValidateReq(GoodA());
  validate.listener = Listener::kPublic;
  EXPECT_EQ(Handle(validate).status, 200);
  validate.target = "/validate/items/7";  // Envoy's ext_authz form
  EXPECT_EQ(Handle(validate).status, 200);
}

// On the admin port the public routes are not there: no token is judged, no caller
// authenticated, no revocation recorded.
TEST_F(RoutesTest, AdminListenerServesOnlyTheAdminRoutes) {
  const http::Response miss = Handle(On(Listener::kAdmin, "GET", "/nope"));
  EXPECT_EQ(miss.status, 404);
  EXPECT_EQ(miss.body,
            "{\"error\":\"not_found\",\"error_description\":\"no such endpoint: try "
            "/revoke-by-attribute, /healthz, /readyz, /metrics\"}");
  for (const char* target : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(Handle(On(Listener::kAdmin, "GET", target)).status, 200) << target;
  }
  std::vector<Req> public_requests = {
      ValidateReq(GoodA()),
      ValidateReq(GoodA()),
      Post("/introspect", "token=" + GoodA()),
      Post("/revoke", "token=" + GoodA()),
      On(Listener::kAdmin, "GET", "/introspect"),
      On(Listener::kAdmin, "GET", "/.well-known/oauth-protected-resource")};
  public_requests[1].target = "/validate/orders/7";
  for (Req& r : public_requests) {
    r.listener = Listener::kAdmin;
    r.Header("Authorization", Basic("rs-all", "s3cret"));
    const http::Response hidden = Handle(r);
    EXPECT_EQ(hidden.status, 404) << r.method << " " << r.target;
    EXPECT_EQ(hidden.body, miss.body) << r.method << " " << r.target;
  }
  EXPECT_EQ(denylist_->size(), 0u);
  EXPECT_TRUE(HasMetric("tokenwarden_validations_total{result=\"ok\"}", 0));
}

TEST(RoutesServesTest, EachListenerServesItsShare) {
  const Route admin[] = {Route::kReadyz, Route::kMetrics};
  const Route public_routes[] = {Route::kIntrospect, Route::kRevoke, Route::kValidate,
                                 Route::kResourceMetadata};
  for (const Route route : admin) {
    EXPECT_TRUE(Routes::Serves(Listener::kOnly, route)) << RouteName(route);
    EXPECT_TRUE(Routes::Serves(Listener::kAdmin, route)) << RouteName(route);
    EXPECT_FALSE(Routes::Serves(Listener::kPublic, route)) << RouteName(route);
  }
  for (const Route route : public_routes) {
    EXPECT_TRUE(Routes::Serves(Listener::kOnly, route)) << RouteName(route);
    EXPECT_FALSE(Routes::Serves(Listener::kAdmin, route)) << RouteName(route);
    EXPECT_TRUE(Routes::Serves(Listener::kPublic, route)) << RouteName(route);
  }
  for (const Listener listener : {Listener::kOnly, Listener::kPublic, Listener::kAdmin}) {
    EXPECT_TRUE(Routes::Serves(listener, Route::kHealthz));
    EXPECT_FALSE(Routes::Serves(listener, Route::kOther));
  }
}

TEST_F(RoutesTest, MetricsEndpoint) {
  now_ = kNow + 90;
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
  EXPECT_EQ(Handle(ValidateReq(GoodB("read"))).status, 403);
  EXPECT_EQ(Introspect(TokenA(Claims("https://evil.example"))).body, kInactive);
  EXPECT_EQ(Introspect(GoodB(), Basic("rs-a", "secret-a")).body, kInactive);

  Req r;
  r.target = "/metrics";
  const http::Response response = Handle(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& body = response.body;
  for (const char* line : {
           "tokenwarden_validations_total{result=\"ok\"} 1\n",
           "tokenwarden_validations_total{result=\"insufficient_scope\"} 1\n",
           "tokenwarden_validations_total{result=\"unknown_issuer\"} 1\n",
           "tokenwarden_validations_total{result=\"outside_caller_scope\"} 1\n",
           "tokenwarden_validations_total{result=\"expired\"} 0\n",
           "tokenwarden_cache_misses_total 3\n",
           "tokenwarden_key_set_keys{issuer=\"https://a.example\"} 1\n",
           "tokenwarden_key_set_keys{issuer=\"https://b.example\"} 1\n",
           "tokenwarden_key_set_age_seconds{issuer=\"https://a.example\"} 90.000\n",
           "tokenwarden_denylist_entries 0\n",
           "tokenwarden_open_connections 3\n",
           "tokenwarden_config_reloads_total{result=\"ok\"} 1\n",
       }) {
    EXPECT_NE(body.find(line), std::string::npos) << line << "\nin:\n" << body;
  }
  // The transport, not the routes, counts requests.
  EXPECT_EQ(body.find("tokenwarden_http_requests_total{"), std::string::npos);
  // Cache entries are summed over the issuers' caches: the three verified tokens.
  EXPECT_EQ(body.find("tokenwarden_cache_entries 0\n"), std::string::npos) << body;
}

// --- reloads -------------------------------------------------------------------------------

TEST_F(RoutesTest, ReloadTakesEffectOnTheNextRequest) {
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
  Publish(MakeConfig("admin"));
  const http::Response response = Handle(ValidateReq(GoodA()));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            Challenge("insufficient_scope", "the token lacks a required scope", "admin"));
  Req other = ValidateReq(GoodA());
  other.worker = 1;
  EXPECT_EQ(Handle(other).status, 403);
  Publish(MakeConfig());
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
}

TEST_F(RoutesTest, ReloadDropsRemovedClients) {
  EXPECT_EQ(Introspect(GoodA(), Basic("rs-a", "secret-a")).status, 200);
  ServerConfig config = MakeConfig();
  config.clients.erase(config.clients.begin() + 1);
  Publish(std::move(config));
  EXPECT_EQ(Introspect(GoodA(), Basic("rs-a", "secret-a")).status, 401);
  EXPECT_EQ(Introspect(GoodA()).status, 200);
}

// Two workers validate in a loop while the main thread publishes 20 new states: each request
// must see one whole state (old or new), never a torn one, and every answer must be 200.
TEST_F(RoutesTest, ConcurrentRequestsDuringReloads) {
  const std::string tokens[kWorkers] = {GoodA(), GoodB()};
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> first_bad_status{0};
  std::atomic<int> served[kWorkers] = {0, 0};
  auto worker = [&](int w) {
    Req r = ValidateReq(tokens[w]);
    r.worker = w;
    r.Header("X-Original-URI", "/public");
    int n = 0;
    while (!stop.load(std::memory_order_acquire) || n == 0) {
      const http::Response response = Handle(r);
      if (response.status != 200) {
        int expected = 0;
        first_bad_status.compare_exchange_strong(expected, response.status);
        failures.fetch_add(1, std::memory_order_relaxed);
      }
      ++n;
    }
    served[w].store(n, std::memory_order_relaxed);
  };
  std::thread w0(worker, 0);
  std::thread w1(worker, 1);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> warnings;
    absl::StatusOr<std::shared_ptr<const ServerState>> state =
        ServerState::Build(MakeConfig(), denylist_, kNow, warnings);
    // No ASSERT here: returning early would leave the workers running.
    EXPECT_TRUE(state.ok()) << state.status();
    if (state.ok()) {
      holder_.Publish(*std::move(state));
    }
    std::this_thread::sleep_until(start + std::chrono::milliseconds(15 * (i + 1)));
  }
  stop.store(true, std::memory_order_release);
  w0.join();
  w1.join();
  EXPECT_EQ(failures.load(), 0) << "first non-200 status: " << first_bad_status.load();
  EXPECT_GT(served[0].load(), 0);
  EXPECT_GT(served[1].load(), 0);
  EXPECT_EQ(holder_.version(), 21u);
  // The last state is the one served now.
  EXPECT_EQ(Handle(ValidateReq(GoodA())).status, 200);
}

}  // namespace
}  // namespace tokenwarden::server
