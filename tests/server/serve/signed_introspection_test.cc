// RFC 9701 signed introspection answers over Routes in-process: the JWT an opted-in client
// gets (verified by the core's Verifier with the JWK Set the server publishes), its claims
// against the plain answer, and the Accept negotiation with its refusals.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/algorithm.h"
#include "core/denylist.h"
#include "core/jws_signer.h"
#include "core/key_set.h"
#include "core/verifier.h"
#include "server/config/config.h"
#include "server/config/secret_hash.h"
#include "server/http/message.h"
#include "server/serve/metrics.h"
#include "server/serve/routes.h"
#include "server/serve/server_state.h"
#include "tests/core/test_tokens.h"
#include "tests/server/serve/handle_request.h"
#include "tests/server/serve/publish_state.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::EcKeyB;
using ::tokenwarden::testing::JwksOf;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::MintAlg;
using ::tokenwarden::testing::MustJwks;
using ::tokenwarden::testing::PublishState;
using ::tokenwarden::testing::RouteDepsFor;
using ::tokenwarden::testing::RsaKey;
using ::tokenwarden::testing::Segments;

constexpr std::string_view kIss = "https://a.example";
constexpr std::string_view kOurIssuer = "https://tokenwarden.example";
constexpr std::string_view kJwksPath = "/.well-known/introspection-jwks.json";
constexpr std::string_view kJwtType = "application/token-introspection+jwt";

std::string GoodToken() {
  return MintAlg(
      Algorithm::kRs256, RsaKey(),
      StrCat(R"({"iss":")", kIss, R"(","sub":"alice","aud":"api","exp":)", kNow + 3600, "}"), "a1");
}

ClientConfig Client(std::string id, bool opted_in) {
  ClientConfig client;
  client.id = std::move(id);
  absl::StatusOr<SecretHash> hash = ParseSecretHash(HashSecret("s3cret", 0));
  EXPECT_TRUE(hash.ok()) << hash.status();
  if (hash.ok()) {
    client.secret = *std::move(hash);
  }
  if (opted_in) {
    client.introspection_signed_response_alg = Algorithm::kEs256;
  }
  return client;
}

ServerConfig MakeConfig(bool signing) {
  ServerConfig config;
  config.workers = 1;
  IssuerConfig a;
  a.policy.issuer = std::string(kIss);
  a.policy.audiences = {"api"};
  a.jwks_file = "a.json";
  a.keys = MustJwks(JwksOf({RsaKey().Jwk("a1")}));
  config.issuers.push_back(std::move(a));
  config.clients.push_back(Client("rs-signed", signing));
  config.clients.push_back(Client("rs-plain", false));
  if (signing) {
    IntrospectionSigningConfig& s = config.introspection_signing.emplace();
    s.issuer = std::string(kOurIssuer);
    s.alg = Algorithm::kEs256;
    absl::StatusOr<JwsSigner> signer =
        JwsSigner::FromPrivatePem(EcKeyB().PrivatePem(), Algorithm::kEs256, "tw-1");
    EXPECT_TRUE(signer.ok()) << signer.status();
    if (signer.ok()) {
      s.signer = std::make_shared<const JwsSigner>(*std::move(signer));
    }
  }
  return config;
}

class SignedIntrospectionTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*signing=*/true); }

  void Start(bool signing) {
    const absl::Status published = PublishState(MakeConfig(signing), denylist_, kNow, holder_);
    ASSERT_TRUE(published.ok()) << published;
    RouteDeps deps = RouteDepsFor(holder_, metrics_, denylist_.get());
    deps.gauges = [](MetricsGauges&) {};
    deps.clock = [] { return kNow; };
    routes_ = std::make_unique<Routes>(std::move(deps), 1);
  }

  http::Response Handle(std::string_view method, std::string_view target,
                        std::vector<http::HeaderField> fields, std::string_view body = {}) {
    return ::tokenwarden::testing::HandleRequest(*routes_, method, target, fields, body);
  }

  // Introspect asks about `token` as `client` with the Accept fields `accept` (none: no field).
  http::Response Introspect(std::string_view token, std::string_view client,
                            std::vector<std::string_view> accept) {
    const std::string authorization =
        StrCat("Basic ", base::Base64Encode(StrCat(client, ":s3cret")));
    const std::string body = StrCat("token=", token);
    std::vector<http::HeaderField> fields = {{"Content-Type", "application/x-www-form-urlencoded"},
                                             {"Authorization", authorization}};
    for (std::string_view value : accept) {
      fields.push_back(http::HeaderField{"Accept", value});
    }
    return Handle("POST", "/introspect", fields, body);
  }

  // VerifyAnswer checks the signed answer as a relying party would: the key from the JWK Set
  // served at kJwksPath, `typ`, `iss` and `aud` by the core's Verifier; returns the payload.
  std::string VerifyAnswer(const http::Response& response, std::string_view client) {
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, kJwtType);
    const http::Response jwks = Handle("GET", kJwksPath, {});
    EXPECT_EQ(jwks.status, 200);
    Policy policy;
    policy.algorithms.Add(Algorithm::kEs256);
    policy.issuer = std::string(kOurIssuer);
    policy.audiences = {std::string(client)};
    policy.type = "token-introspection+jwt";
    policy.require_exp = false;  // RFC 9701 §5: the answer has no exp
    absl::StatusOr<Verifier> verifier = Verifier::Create(policy, MustJwks(jwks.body));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    if (!verifier.ok()) {
      return "";
    }
    VerifyScratch scratch;
    VerifiedToken out;
    EXPECT_EQ(verifier->Verify(response.body, kNow, scratch, out), Error::kOk);
    return std::string(out.payload_json);
  }

  std::shared_ptr<Denylist> denylist_ = std::make_shared<Denylist>(64);
  StateHolder holder_;
  Metrics metrics_{1};
  std::unique_ptr<Routes> routes_;
};

TEST_F(SignedIntrospectionTest, OptedInClientGetsTheSignedActiveAnswer) {
  const std::string token = GoodToken();
  const http::Response plain = Introspect(token, "rs-signed", {});
  ASSERT_EQ(plain.status, 200);
  ASSERT_EQ(plain.content_type, "application/json");
  ASSERT_TRUE(plain.body.starts_with("{\"active\":true,")) << plain.body;

  const http::Response signed_answer = Introspect(token, "rs-signed", {kJwtType});
  const std::string payload = VerifyAnswer(signed_answer, "rs-signed");
  EXPECT_EQ(payload, StrCat(R"({"iss":"https://tokenwarden.example","aud":"rs-signed","iat":)",
                            kNow, R"(,"token_introspection":)", plain.body, "}"));
  EXPECT_EQ(base::Base64UrlDecodeToString(Segments(signed_answer.body)[0]),
            R"({"alg":"ES256","kid":"tw-1","typ":"token-introspection+jwt"})");
  EXPECT_NE(signed_answer.headers().find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(signed_answer.headers().find("Vary: Accept\r\n"), std::string::npos);
}

TEST_F(SignedIntrospectionTest, InactiveAnswersAreSignedToo) {
  for (const std::string& token :
       {std::string("not-a-token"),
        MintAlg(Algorithm::kRs256, RsaKey(),
                StrCat(R"({"iss":")", kIss, R"(","aud":"api","exp":)", kNow - 10, "}"), "a1")}) {
    const std::string payload =
        VerifyAnswer(Introspect(token, "rs-signed", {kJwtType}), "rs-signed");
    EXPECT_EQ(payload, StrCat(R"({"iss":"https://tokenwarden.example","aud":"rs-signed","iat":)",
                              kNow, R"(,"token_introspection":{"active":false}})"));
  }
}

struct Negotiation {
  std::vector<std::string_view> accept;
  std::string_view client;
  int status;
  std::string_view content_type;
};

TEST_F(SignedIntrospectionTest, NegotiatesTheFormat) {
  const Negotiation cases[] = {
      // Not asking for the JWT type by name: plain JSON as before RFC 9701.
      {{}, "rs-signed", 200, "application/json"},
      {{"*/*"}, "rs-signed", 200, "application/json"},
      {{"application/*"}, "rs-signed", 200, "application/json"},
      {{"text/html"}, "rs-signed", 200, "application/json"},
      {{"application/json"}, "rs-signed", 200, "application/json"},
      {{"application/token-introspection+jwt;q=0"}, "rs-signed", 200, "application/json"},
      // Named: weights decide, the JWT on a tie.
      {{"application/token-introspection+jwt, application/json"}, "rs-signed", 200, kJwtType},
      {{"application/json;q=0.5, application/token-introspection+jwt"}, "rs-signed", 200, kJwtType},
      {{"application/json", "application/token-introspection+jwt;q=1.0"},
       "rs-signed",
       200,
       kJwtType},
      {{"APPLICATION/Token-Introspection+JWT"}, "rs-signed", 200, kJwtType},
      {{"application/json, application/token-introspection+jwt;q=0.9"},
       "rs-signed",
       200,
       "application/json"},
      {{"application/token-introspection+jwt, application/json;q=0"}, "rs-signed", 200, kJwtType},
      // A client that has not opted in: JSON when it takes JSON, else 406.
      {{"application/token-introspection+jwt, application/json;q=0.1"},
       "rs-plain",
       200,
       "application/json"},
      {{"application/token-introspection+jwt, */*;q=0.1"}, "rs-plain", 200, "application/json"},
      {{"application/token-introspection+jwt"}, "rs-plain", 406, "application/json"},
      {{"application/token-introspection+jwt, application/json;q=0"},
       "rs-plain",
       406,
       "application/json"},
      // Unreadable Accept fields: refused only when they name the JWT type.
      {{"application/token-introspection+jwt;q=2"}, "rs-signed", 400, "application/json"},
      {{"application/token-introspection+jwt;q=\"1"}, "rs-signed", 400, "application/json"},
      {{"text/html;q=abc"}, "rs-signed", 200, "application/json"},
  };
  const std::string token = GoodToken();
  for (const Negotiation& c : cases) {
    std::string label = StrCat(c.client, ":");
    for (std::string_view value : c.accept) {
      base::StrAppend(&label, " [", value, "]");
    }
    const http::Response response = Introspect(token, c.client, c.accept);
    EXPECT_EQ(response.status, c.status) << label << " " << response.body;
    EXPECT_EQ(response.content_type, c.content_type) << label;
    if (c.status == 406) {
      EXPECT_TRUE(response.body.starts_with("{\"error\":\"not_acceptable\"")) << response.body;
    }
  }
}

TEST_F(SignedIntrospectionTest, WithoutSigningNobodyGetsAJwt) {
  Start(/*signing=*/false);
  const std::string token = GoodToken();
  EXPECT_EQ(Introspect(token, "rs-signed", {kJwtType}).status, 406);
  const http::Response plain = Introspect(token, "rs-signed", {});
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers().find("Vary:"), std::string::npos);
  EXPECT_EQ(Handle("GET", kJwksPath, {}).status, 404);
}

TEST_F(SignedIntrospectionTest, WarnsWhenNoClientOptedIn) {
  ServerConfig config = MakeConfig(/*signing=*/true);
  std::vector<std::string> warnings;
  ASSERT_TRUE(ServerState::Build(config, denylist_, kNow, warnings).ok());
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  config.clients[0].introspection_signed_response_alg.reset();
  ASSERT_TRUE(ServerState::Build(config, denylist_, kNow, warnings).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("nobody can get a signed answer"), std::string::npos) << warnings[0];
}

TEST_F(SignedIntrospectionTest, PublishesThePublicJwkSet) {
  const http::Response jwks = Handle("GET", kJwksPath, {});
  EXPECT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.content_type, "application/json");
  EXPECT_NE(jwks.headers().find("Cache-Control: public, max-age=300\r\n"), std::string::npos);
  EXPECT_TRUE(jwks.body.starts_with(R"({"keys":[{"crv":"P-256","kty":"EC","x":")")) << jwks.body;
  EXPECT_NE(jwks.body.find(R"("kid":"tw-1","alg":"ES256","use":"sig"}]})"), std::string::npos)
      << jwks.body;
  EXPECT_EQ(jwks.body.find("\"d\""), std::string::npos) << jwks.body;
  EXPECT_EQ(Handle("POST", kJwksPath, {}).status, 405);
  EXPECT_EQ(Handle("GET", "/.well-known/other.json", {}).status, 404);
  // With an admin port, the set stays on the public one, where answers are asked for.
  for (const auto& [listener, status] :
       {std::pair{Listener::kPublic, 200}, std::pair{Listener::kAdmin, 404}}) {
    http::Request request;
    request.method = "GET";
    request.target = kJwksPath;
    request.path = kJwksPath;
    http::Response response;
    routes_->Handle(request, response, listener);
    EXPECT_EQ(response.status, status) << static_cast<int>(listener);
  }
}

}  // namespace
}  // namespace tokenwarden::server
