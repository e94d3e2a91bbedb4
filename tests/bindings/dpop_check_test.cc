#include "bindings/common/dpop_check.h"

#include <string>

#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden::bindings {
namespace {

using ::tokenwarden::base::StrCat;
using ::tokenwarden::testing::EcKey;
using ::tokenwarden::testing::kNow;
using ::tokenwarden::testing::Mint;

constexpr char kUrl[] = "https://api.test/orders";

std::string Proof(std::string_view jti, int64_t iat = kNow) {
  const std::string header =
      StrCat(R"({"typ":"dpop+jwt","alg":"ES256","jwk":)", EcKey(Algorithm::kEs256).Jwk(), "}");
  return Mint(header,
              StrCat(R"({"jti":")", jti, R"(","htm":"GET","htu":")", kUrl, R"(","iat":)", iat, "}"),
              EcKey(Algorithm::kEs256), Algorithm::kEs256);
}

DpopRequest Request(int64_t now = kNow) {
  DpopRequest request;
  request.method = "GET";
  request.url = kUrl;
  request.now = now;
  return request;
}

TEST(DpopCheckTest, ReplayedOnlyAfterASuccess) {
  DpopReplayCache cache(100);
  const DpopOptions options;
  const std::string proof = Proof("j-1");
  EXPECT_EQ(CheckDpopProof(proof, Request(), options, &cache).result.error, Error::kOk);
  const DpopCheck again = CheckDpopProof(proof, Request(), options, &cache);
  EXPECT_EQ(again.result.error, Error::kDpopProofReplayed);
  EXPECT_EQ(again.result.detail, "the DPoP proof's jti was used before");
  EXPECT_FALSE(again.cache_full);

  // A proof refused for another reason (here: htm) is not remembered: once the request
  // fits, the same proof passes once.
  const std::string other = Proof("j-2");
  DpopRequest post = Request();
  post.method = "POST";
  EXPECT_EQ(CheckDpopProof(other, post, options, &cache).result.error, Error::kInvalidDpopProof);
  EXPECT_EQ(CheckDpopProof(other, post, options, &cache).result.error, Error::kInvalidDpopProof);
  EXPECT_EQ(CheckDpopProof(other, Request(), options, &cache).result.error, Error::kOk);
  EXPECT_EQ(cache.size(), 2u);
  // Without a cache nothing is remembered.
  EXPECT_EQ(CheckDpopProof(proof, Request(), options, nullptr).result.error, Error::kOk);
}

TEST(DpopCheckTest, AFullCacheRefusesAndSaysSo) {
  DpopReplayCache cache(1);  // one entry per shard
  const DpopOptions options;
  int fresh = 0;
  bool full = false;
  // 17 distinct proofs over 16 shards of one entry: at least one shard overflows.
  for (int i = 0; i < 17; ++i) {
    const DpopCheck check = CheckDpopProof(Proof(StrCat("j-", i)), Request(), options, &cache);
    if (check.cache_full) {
      EXPECT_EQ(check.result.error, Error::kInvalidDpopProof);
      full = true;
    } else {
      EXPECT_EQ(check.result.error, Error::kOk) << check.result.detail;
      ++fresh;
    }
  }
  EXPECT_TRUE(full);
  EXPECT_LE(fresh, 16);
}

TEST(DpopCheckTest, OptionsAreCheckedOnce) {
  DpopArgs args;
  absl::StatusOr<DpopOptions> options = MakeDpopOptions(args);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_age_seconds, 60);
  EXPECT_TRUE(options->algorithms.Contains(Algorithm::kEdDsa));
  EXPECT_FALSE(options->algorithms.Contains(Algorithm::kHs256));

  args.algorithms = std::vector<std::string>{"ES256", "PS256"};
  args.max_age_seconds = 300;
  args.leeway_seconds = 5;
  options = MakeDpopOptions(args);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->algorithms.Contains(Algorithm::kPs256));
  EXPECT_FALSE(options->algorithms.Contains(Algorithm::kRs256));
  EXPECT_EQ(options->max_age_seconds, 300);
  EXPECT_EQ(options->leeway_seconds, 5);

  const auto refused = [](const DpopArgs& a) {
    return std::string(MakeDpopOptions(a).status().message());
  };
  DpopArgs hmac;
  hmac.algorithms = std::vector<std::string>{"HS256"};
  EXPECT_EQ(refused(hmac), "\"HS256\" cannot sign a DPoP proof: only asymmetric algorithms do");
  DpopArgs none;
  none.algorithms = std::vector<std::string>{"none"};
  EXPECT_EQ(refused(none), "unsupported algorithm \"none\"");
  DpopArgs empty;
  empty.algorithms = std::vector<std::string>{};
  EXPECT_FALSE(MakeDpopOptions(empty).ok());
  for (const double bad : {-1.0, 1.5, 86401.0, std::nan("")}) {
    DpopArgs a;
    a.leeway_seconds = bad;
    EXPECT_EQ(refused(a), "the leeway must be a whole number of seconds from 0 to 86400") << bad;
  }
}

TEST(DpopCheckTest, NowAndCapacityBounds) {
  EXPECT_EQ(*DpopNow(1800000000.9), 1800000000);
  EXPECT_EQ(*DpopNow(-0.5), -1);
  EXPECT_FALSE(DpopNow(1e300).ok());
  EXPECT_FALSE(DpopNow(std::nan("")).ok());
  EXPECT_EQ(*CheckReplayCacheCapacity(1), 1u);
  for (const double bad : {0.0, 2.5, 1e9, -3.0}) {
    EXPECT_FALSE(CheckReplayCacheCapacity(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tokenwarden::bindings
