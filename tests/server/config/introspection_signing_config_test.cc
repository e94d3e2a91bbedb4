// The `introspection_signing` object and the clients' `introspection_signed_response_alg`:
// every field read, the key file in both formats, and each refusal with its field path. Key
// files are made per process from the shared test keys.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "core/algorithm.h"
#include "core/jws_signer.h"
#include "server/config/config.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden::server {
namespace {

using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::Ed25519Key;
using ::tokenwarden::testing::Rsa1024Key;
using ::tokenwarden::testing::RsaKey;

// A public JWK Set for the issuer every configuration here has.
const std::string& IssuerJwks() {
  static const std::string* const jwks = new std::string("{\"keys\":[" + RsaKey().Jwk("a1") + "]}");
  return *jwks;
}

class KeyFiles : public ::testing::Environment {
 public:
  static const std::string& Dir() {
    static const std::string* const dir = new std::string(
        ::testing::TempDir() + "tokenwarden_signing_config_test_" + std::to_string(getpid()));
    return *dir;
  }
  static void Write(std::string_view name, std::string_view contents) {
    std::ofstream out(Dir() + "/" + std::string(name), std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    ASSERT_TRUE(out.good()) << name;
  }
  void SetUp() override {
    std::filesystem::create_directories(Dir());
    Write("issuer.jwks.json", IssuerJwks());
    Write("ec.pem", EcKey(Algorithm::kEs256).PrivatePem());
    Write("rsa.pem", RsaKey().PrivateDerPem());
    Write("ed.jwk.json", "\n  " + Ed25519Key().PrivateJwk(R"("kid":"ed-1")"));
    Write("weak.pem", Rsa1024Key().PrivatePem());
    Write("public.pem", EcKey(Algorithm::kEs256).Pem());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(Dir(), ignored);
  }
};

[[maybe_unused]] ::testing::Environment* const kKeyFiles =
    ::testing::AddGlobalTestEnvironment(new KeyFiles);

constexpr std::string_view kHash =
    "sha256$AQEBAQEBAQEBAQEBAQEBAQ$AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI";

// Config is a configuration with one issuer, the client `client_extra` members describe (none:
// no client), and `signing` as the introspection_signing object (empty: none).
std::string Config(std::string_view signing, std::string_view client_extra = "") {
  std::string json =
      R"({"issuers":[{"issuer":"https://a.example","jwks_file":"issuer.jwks.json"}])";
  if (!client_extra.empty()) {
    json += R"(,"clients":[{"id":"rs","secret_hash":")" + std::string(kHash) + "\"," +
            std::string(client_extra) + "}]";
  }
  if (!signing.empty()) {
    json += ",\"introspection_signing\":" + std::string(signing);
  }
  return json + "}";
}

absl::StatusOr<ServerConfig> Parse(std::string_view json) {
  return ParseConfig(json, KeyFiles::Dir());
}

TEST(IntrospectionSigningConfigTest, ReadsEveryField) {
  absl::StatusOr<ServerConfig> config =
      Parse(Config(R"({"issuer":"https://tw.example","key_file":"ec.pem","alg":"ES256","kid":"k1",)"
                   R"("jwks_path":"/.well-known/tw/jwks.json"})",
                   R"("introspection_signed_response_alg":"ES256")"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->introspection_signing.has_value());
  const IntrospectionSigningConfig& signing = *config->introspection_signing;
  EXPECT_EQ(signing.issuer, "https://tw.example");
  EXPECT_EQ(signing.key_file, KeyFiles::Dir() + "/ec.pem");
  EXPECT_EQ(signing.alg, Algorithm::kEs256);
  EXPECT_EQ(signing.jwks_path, "/.well-known/tw/jwks.json");
  ASSERT_NE(signing.signer, nullptr);
  EXPECT_EQ(signing.signer->kid(), "k1");
  EXPECT_EQ(signing.signer->alg(), Algorithm::kEs256);
  EXPECT_EQ(config->clients[0].introspection_signed_response_alg, Algorithm::kEs256);
}

TEST(IntrospectionSigningConfigTest, DefaultsAndOtherKeyFormats) {
  absl::StatusOr<ServerConfig> config =
      Parse(Config(R"({"issuer":"https://tw.example","key_file":"ed.jwk.json","alg":"EdDSA"})"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->introspection_signing->jwks_path, "/.well-known/introspection-jwks.json");
  EXPECT_EQ(config->introspection_signing->signer->kid(), "ed-1");  // the JWK's own

  config = Parse(Config(R"({"issuer":"https://tw.example","key_file":"rsa.pem","alg":"PS256"})",
                        R"("introspection_signed_response_alg":"PS256")"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->introspection_signing->signer->alg(), Algorithm::kPs256);
  EXPECT_EQ(config->introspection_signing->signer->kid().size(), 43u);  // RFC 7638 thumbprint

  config = Parse(Config(""));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->introspection_signing.has_value());
}

TEST(IntrospectionSigningConfigTest, Refusals) {
  const std::string ok_key = R"("key_file":"ec.pem","alg":"ES256")";
  const auto with = [&](std::string_view members) {
    return Config(R"({"issuer":"https://tw.example",)" + std::string(members) + "}");
  };
  for (const auto& [json, message] : std::vector<std::pair<std::string, std::string>>{
           {Config(R"({"key_file":"ec.pem","alg":"ES256"})"),
            "introspection_signing.issuer: required field is missing"},
           {with(R"("alg":"ES256")"), "introspection_signing.key_file: required field is missing"},
           {with(R"("key_file":"ec.pem")"), "introspection_signing.alg: required field is missing"},
           {Config(R"({"issuer":"http://tw.example",)" + ok_key + "}"),
            "introspection_signing.issuer: must be an https:// URL"},
           {with(ok_key + R"(,"color":1)"), "color"},
           {with(R"("key_file":"ec.pem","alg":"HS256")"),
            "introspection_signing.alg: \"HS256\" is not an algorithm tokenwarden signs with"},
           {with(R"("key_file":"ec.pem","alg":"ES384")"), "not an algorithm tokenwarden signs"},
           {with(R"("key_file":"ec.pem","alg":"RS256")"),
            "introspection_signing.key_file: \"ec.pem\": RS256 needs an RSA key"},
           {with(R"("key_file":"weak.pem","alg":"RS256")"), "need >= 2048"},
           {with(R"("key_file":"public.pem","alg":"ES256")"), "signing needs the private key"},
           {with(R"("key_file":"missing.pem","alg":"ES256")"),
            "cannot read \"missing.pem\": No such file or directory"},
           {with(ok_key + R"(,"kid":"a\u0001b")"), "control characters"},
           {with(ok_key + R"(,"jwks_path":"/jwks.json")"), "under /.well-known/"},
           {with(ok_key + R"(,"jwks_path":"/.well-known/")"), "under /.well-known/"},
           {with(ok_key + R"(,"jwks_path":"/.well-known/a/../jwks")"), "normalized"},
           {with(ok_key + R"(,"jwks_path":"/.well-known/jwks?x=1")"), "may hold only"},
           {with(ok_key + R"(,"jwks_path":"/.well-known/oauth-protected-resource/x")"), "RFC 9728"},
           {Config("", R"("introspection_signed_response_alg":"ES256")"),
            "clients[0].introspection_signed_response_alg: needs introspection_signing"},
           {Config(R"({"issuer":"https://tw.example",)" + ok_key + "}",
                   R"("introspection_signed_response_alg":"RS256")"),
            "is RS256 but introspection_signing.alg is ES256"},
           {Config("", R"("introspection_signed_response_alg":"none")"),
            "not an algorithm tokenwarden signs with"}}) {
    absl::StatusOr<ServerConfig> config = Parse(json);
    ASSERT_FALSE(config.ok()) << json;
    const std::string text(config.status().message());
    EXPECT_NE(text.find(message), std::string::npos) << text;
    // Never key material in a message.
    EXPECT_EQ(text.find("BEGIN"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace tokenwarden::server
