#include "core/key_set.h"

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::EcKey;
using testing::Ed25519Key;
using testing::JwksOf;
using testing::MustJwks;
using testing::RsaKey;
using testing::RsaKeyB;
using testing::TestKey;

std::string Contains(const absl::Status& status, std::string_view needle) {
  return std::string(status.message()).find(needle) != std::string::npos
             ? ""
             : StrCat("\"", needle, "\" not in: ", std::string(status.message()));
}

// Kids returns the kids (or "-") of the keys Select chose.
std::vector<std::string> Kids(const KeySet& keys, Algorithm alg,
                              std::optional<std::string_view> kid, size_t room = 8) {
  std::vector<const Key*> out(room);
  const size_t n = keys.Select(alg, kid, std::span<const Key*>(out));
  std::vector<std::string> kids;
  for (size_t i = 0; i < n; ++i) {
    kids.push_back(out[i]->kid().value_or("-"));
  }
  return kids;
}

using Strings = std::vector<std::string>;

TEST(KeySetTest, LoadsEveryKeyType) {
  std::shared_ptr<const KeySet> keys =
      MustJwks(JwksOf({RsaKey().Jwk("rsa"), EcKey(Algorithm::kEs384).Jwk("ec"),
                       Ed25519Key().Jwk("ed"), TestKey::Hmac(std::string(32, 's')).Jwk("hs")}));
  ASSERT_NE(keys, nullptr);
  ASSERT_EQ(keys->keys().size(), 4u);
  EXPECT_TRUE(keys->skipped().empty());
  EXPECT_TRUE(keys->select_by_kid());
  EXPECT_EQ(keys->algorithms().ToString(), "RS256,RS384,RS512,PS256,PS384,PS512,ES384,EdDSA,HS256");
  EXPECT_EQ(keys->keys()[0].kid(), "rsa");
  EXPECT_EQ(keys->keys()[3].kid(), "hs");
}

TEST(KeySetTest, SkipsUnusableKeysWithReasons) {
  const TestKey* const rsa1024 = &testing::Rsa1024Key();
  std::shared_ptr<const KeySet> keys = MustJwks(JwksOf({
      RsaKey().Jwk("enc-key", "\"use\":\"enc\""),                  // 0
      StrCat(R"({"kty":"OKP","crv":"Ed448","kid":"ed448","x":")",  // 1
             testing::B64(std::string(57, 'x')), "\"}"),
      rsa1024->Jwk("weak"),                               // 2
      R"({"kty":"XYZ","kid":"alien"})",                   // 3
      R"("not an object")",                               // 4
      EcKey(Algorithm::kEs256).Jwk("good"),               // 5
      RsaKey().Jwk("wrap", "\"key_ops\":[\"wrapKey\"]"),  // 6
      TestKey::Hmac("short").Jwk(),                       // 7
  }));
  ASSERT_NE(keys, nullptr);
  ASSERT_EQ(keys->keys().size(), 1u);
  EXPECT_EQ(keys->keys()[0].kid(), "good");
  ASSERT_EQ(keys->skipped().size(), 7u);
  const std::span<const std::string> s = keys->skipped();
  EXPECT_NE(s[0].find("key 0 (kid \"enc-key\")"), std::string::npos) << s[0];
  EXPECT_NE(s[0].find("enc"), std::string::npos) << s[0];
  EXPECT_NE(s[1].find("key 1 (kid \"ed448\")"), std::string::npos) << s[1];
  EXPECT_NE(s[1].find("Ed448"), std::string::npos) << s[1];
  EXPECT_NE(s[2].find("key 2 (kid \"weak\")"), std::string::npos) << s[2];
  EXPECT_NE(s[2].find("1024"), std::string::npos) << s[2];
  EXPECT_NE(s[3].find("XYZ"), std::string::npos) << s[3];
  EXPECT_NE(s[4].find("key 4"), std::string::npos) << s[4];
  EXPECT_NE(s[4].find("not a JSON object"), std::string::npos) << s[4];
  EXPECT_NE(s[5].find("key 6"), std::string::npos) << s[5];
  EXPECT_NE(s[5].find("verify"), std::string::npos) << s[5];
  EXPECT_NE(s[6].find("key 7:"), std::string::npos) << s[6];
  EXPECT_EQ(keys->algorithms().ToString(), "ES256");
}

TEST(KeySetTest, FailsWhenNoKeyIsUsable) {
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      KeySet::FromJwks(JwksOf({RsaKey().Jwk("enc-key", "\"use\":\"enc\""),
                               R"({"kty":"OKP","crv":"X448","x":"AAAA","kid":"x"})"}));
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Contains(keys.status(), "no usable key"), "");
  EXPECT_EQ(Contains(keys.status(), "enc-key"), "") << "the reasons are listed";
  EXPECT_EQ(Contains(keys.status(), "X448"), "");
}

TEST(KeySetTest, RejectsDocumentsThatAreNotJwkSets) {
  for (std::string_view json : {"", "[]", "\"keys\"", "{}", R"({"keys":{}})", R"({"keys":"x"})",
                                R"({"keys":[]})", "{\"keys\":[", "not json"}) {
    absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(json);
    EXPECT_FALSE(keys.ok()) << json;
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << json;
  }
}

// A JWK Set that is not JSON says where, as for a configuration file.
TEST(KeySetTest, SaysWhereAJwkSetIsNotJson) {
  const std::string jwks = StrCat("{\"keys\": [\n  ", RsaKey().Jwk("a"), ",\n]}");
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(jwks);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().message(), "JWK Set is not valid JSON at line 2, column " +
                                         std::to_string(3 + RsaKey().Jwk("a").size()) +
                                         ": a comma before ']' (JSON allows no trailing comma)");
}

TEST(KeySetTest, RejectsMoreThanMaxKeys) {
  std::vector<std::string> jwks;
  const std::string jwk = TestKey::Hmac(std::string(32, 'q')).Jwk();
  for (size_t i = 0; i < KeySet::kMaxKeys; ++i) {
    jwks.push_back(jwk);
  }
  EXPECT_TRUE(KeySet::FromJwks(JwksOf(jwks)).ok());
  jwks.push_back(jwk);
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(JwksOf(jwks));
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(Contains(keys.status(), "256"), "");
}

TEST(KeySetTest, IgnoresExtraMembersOfTheSet) {
  EXPECT_NE(MustJwks(StrCat(R"({"x":1,"keys":[)", RsaKey().Jwk("k", R"("x5c":["AA"])"), "]}")),
            nullptr);
}

// --- Select -----------------------------------------------------------------------------------

class KeySetSelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = MustJwks(JwksOf({RsaKey().Jwk("k1"), RsaKeyB().Jwk("k2"), RsaKey().Jwk(),
                             EcKey(Algorithm::kEs256).Jwk("k1"), Ed25519Key().Jwk("ed")}));
    ASSERT_NE(keys_, nullptr);
  }
  std::shared_ptr<const KeySet> keys_;
};

TEST_F(KeySetSelectTest, MatchesKid) {
  EXPECT_EQ(Kids(*keys_, Algorithm::kRs256, "k2"), (Strings{"k2"}));
  EXPECT_EQ(Kids(*keys_, Algorithm::kEdDsa, "ed"), (Strings{"ed"}));
}

TEST_F(KeySetSelectTest, MatchesKidAndAlgorithmTogether) {
  // RFC 7520 §3 style: an RSA and an EC key share a kid; alg decides which one.
  EXPECT_EQ(Kids(*keys_, Algorithm::kRs256, "k1"), (Strings{"k1"}));
  EXPECT_EQ(keys_->keys()[0].type(), KeyType::kRsa);
  std::array<const Key*, 8> out{};
  ASSERT_EQ(keys_->Select(Algorithm::kEs256, "k1", out), 1u);
  EXPECT_EQ(out[0]->type(), KeyType::kEc);
}

TEST_F(KeySetSelectTest, FindsNothingForUnknownKid) {
  EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, "k3").empty());
  EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, "K1").empty());
  EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, "").empty());
  EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, std::string_view("k1\0", 3)).empty());
}

TEST_F(KeySetSelectTest, KeyWithoutKidNeverMatchesTokenKid) {
  // The third key has no kid; a token naming any kid must not be tried against it.
  for (std::string_view kid : {"k3", "", "-"}) {
    EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, kid).empty()) << kid;
  }
}

TEST_F(KeySetSelectTest, TokenWithoutKidTriesEveryFittingKeyInOrder) {
  EXPECT_EQ(Kids(*keys_, Algorithm::kRs256, std::nullopt), (Strings{"k1", "k2", "-"}));
  EXPECT_EQ(Kids(*keys_, Algorithm::kPs512, std::nullopt), (Strings{"k1", "k2", "-"}));
  EXPECT_EQ(Kids(*keys_, Algorithm::kEs256, std::nullopt), (Strings{"k1"}));
}

TEST_F(KeySetSelectTest, FindsNothingForAlgorithmWithoutKey) {
  EXPECT_TRUE(Kids(*keys_, Algorithm::kEs384, std::nullopt).empty());
  EXPECT_TRUE(Kids(*keys_, Algorithm::kHs256, std::nullopt).empty());
  EXPECT_TRUE(Kids(*keys_, Algorithm::kHs256, "k1").empty());
}

TEST_F(KeySetSelectTest, StopsWhenOutputIsFull) {
  EXPECT_EQ(Kids(*keys_, Algorithm::kRs256, std::nullopt, 2), (Strings{"k1", "k2"}));
  EXPECT_TRUE(Kids(*keys_, Algorithm::kRs256, std::nullopt, 0).empty());
}

TEST(KeySetTest, BoundsCandidatesByMaxCandidates) {
  std::vector<std::string> jwks;
  for (int i = 0; i < 20; ++i) {
    jwks.push_back(TestKey::Hmac(std::string(32, static_cast<char>('a' + i))).Jwk());
  }
  std::shared_ptr<const KeySet> keys = MustJwks(JwksOf(jwks));
  ASSERT_NE(keys, nullptr);
  std::array<const Key*, KeySet::kMaxCandidates> out{};
  EXPECT_EQ(keys->Select(Algorithm::kHs256, std::nullopt, out), KeySet::kMaxCandidates);
  EXPECT_EQ(out[0]->secret(), std::string(32, 'a'));
  EXPECT_EQ(out[KeySet::kMaxCandidates - 1]->secret(),
            std::string(32, static_cast<char>('a' + KeySet::kMaxCandidates - 1)));
}

TEST(KeySetTest, SingleKeyFileIgnoresKid) {
  std::shared_ptr<const KeySet> jwk = testing::MustKeyFile(RsaKey().Jwk("named"));
  ASSERT_NE(jwk, nullptr);
  EXPECT_FALSE(jwk->select_by_kid());
  EXPECT_EQ(Kids(*jwk, Algorithm::kRs256, "other"), (Strings{"named"}));
  EXPECT_EQ(Kids(*jwk, Algorithm::kRs256, std::nullopt), (Strings{"named"}));
  EXPECT_TRUE(Kids(*jwk, Algorithm::kEs256, "named").empty()) << "alg still has to fit";

  std::shared_ptr<const KeySet> pem = testing::MustKeyFile(RsaKey().Pem());
  ASSERT_NE(pem, nullptr);
  EXPECT_EQ(Kids(*pem, Algorithm::kPs256, "anything"), (Strings{"-"}));
}

TEST(KeySetTest, KeyFileAcceptsLeadingWhitespace) {
  EXPECT_NE(testing::MustKeyFile("\n  \t" + Ed25519Key().Jwk()), nullptr);
  EXPECT_NE(testing::MustKeyFile("\n\n" + Ed25519Key().Pem()), nullptr);
}

TEST(KeySetTest, KeyFileTreatsEveryProblemAsAnError) {
  EXPECT_FALSE(KeySet::FromKeyFile("").ok());
  EXPECT_FALSE(KeySet::FromKeyFile(" \n\t").ok());
  EXPECT_FALSE(KeySet::FromKeyFile(RsaKey().Jwk("k", "\"use\":\"enc\"")).ok());
  EXPECT_FALSE(KeySet::FromKeyFile(JwksOf({RsaKey().Jwk("k")})).ok());
  EXPECT_FALSE(KeySet::FromKeyFile("this is neither PEM nor JSON\n").ok());
}

TEST(KeySetTest, FromKeysHonoursSelectByKid) {
  std::vector<Key> keys;
  keys.push_back(RsaKey().PublicKey("a"));
  keys.push_back(RsaKeyB().PublicKey("b"));
  absl::StatusOr<std::shared_ptr<const KeySet>> by_kid = KeySet::FromKeys(std::move(keys), true);
  ASSERT_TRUE(by_kid.ok()) << by_kid.status();
  EXPECT_EQ(Kids(**by_kid, Algorithm::kRs256, "b"), (Strings{"b"}));

  std::vector<Key> keys2;
  keys2.push_back(RsaKey().PublicKey("a"));
  keys2.push_back(RsaKeyB().PublicKey("b"));
  absl::StatusOr<std::shared_ptr<const KeySet>> any = KeySet::FromKeys(std::move(keys2), false);
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(Kids(**any, Algorithm::kRs256, "b"), (Strings{"a", "b"}));
}

TEST(KeySetTest, FromKeysRejectsEmptySet) {
  EXPECT_EQ(KeySet::FromKeys({}, true).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tokenwarden
