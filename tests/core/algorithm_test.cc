#include "core/algorithm.h"

#include <string>
#include <string_view>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

struct AlgorithmRow {
  std::string_view name;
  Algorithm alg;
  KeyType key_type;
  size_t hash_len;
};

constexpr AlgorithmRow kRows[] = {
    {"RS256", Algorithm::kRs256, KeyType::kRsa, 32},
    {"RS384", Algorithm::kRs384, KeyType::kRsa, 48},
    {"RS512", Algorithm::kRs512, KeyType::kRsa, 64},
    {"PS256", Algorithm::kPs256, KeyType::kRsa, 32},
    {"PS384", Algorithm::kPs384, KeyType::kRsa, 48},
    {"PS512", Algorithm::kPs512, KeyType::kRsa, 64},
    {"ES256", Algorithm::kEs256, KeyType::kEc, 32},
    {"ES384", Algorithm::kEs384, KeyType::kEc, 48},
    {"ES512", Algorithm::kEs512, KeyType::kEc, 64},
    {"EdDSA", Algorithm::kEdDsa, KeyType::kOkp, 64},
    {"HS256", Algorithm::kHs256, KeyType::kOct, 32},
    {"HS384", Algorithm::kHs384, KeyType::kOct, 48},
    {"HS512", Algorithm::kHs512, KeyType::kOct, 64},
};

TEST(AlgorithmTest, TableCoversEveryAlgorithm) {
  EXPECT_EQ(std::size(kRows), static_cast<size_t>(kNumAlgorithms));
}

TEST(AlgorithmTest, ParsesEveryNameAndRoundTrips) {
  for (const AlgorithmRow& row : kRows) {
    EXPECT_EQ(ParseAlgorithm(row.name), row.alg) << row.name;
    EXPECT_EQ(AlgorithmName(row.alg), row.name);
  }
}

TEST(AlgorithmTest, ReportsRequiredKeyType) {
  for (const AlgorithmRow& row : kRows) {
    EXPECT_EQ(RequiredKeyType(row.alg), row.key_type) << row.name;
  }
}

TEST(AlgorithmTest, ReportsHashLength) {
  for (const AlgorithmRow& row : kRows) {
    EXPECT_EQ(HashLength(row.alg), row.hash_len) << row.name;
  }
}

class ParseAlgorithmRejectTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseAlgorithmRejectTest, RejectsName) {
  EXPECT_FALSE(ParseAlgorithm(GetParam()).has_value()) << "\"" << GetParam() << "\"";
}

INSTANTIATE_TEST_SUITE_P(NoneSpellings, ParseAlgorithmRejectTest,
                         ::testing::Values("none", "None", "NONE", "nOnE", "none ", " none"));
INSTANTIATE_TEST_SUITE_P(WrongCase, ParseAlgorithmRejectTest,
                         ::testing::Values("rs256", "Rs256", "rS256", "hs256", "es256", "EDDSA",
                                           "eddsa", "Eddsa", "ps512"));
INSTANTIATE_TEST_SUITE_P(Unknown, ParseAlgorithmRejectTest,
                         ::testing::Values("", "HS1", "RS1", "ES256K", "RSA-OAEP", "A256GCM", "PS",
                                           "RS25", "RS2566", "RS256 ", " RS256", "Ed25519", "Ed448",
                                           std::string("RS256\0", 6), std::string("RS25\0", 5)));

TEST(AlgorithmSetTest, ParsesList) {
  absl::StatusOr<AlgorithmSet> set = AlgorithmSet::Parse("RS256,ES256,EdDSA");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->Contains(Algorithm::kRs256));
  EXPECT_TRUE(set->Contains(Algorithm::kEs256));
  EXPECT_TRUE(set->Contains(Algorithm::kEdDsa));
  EXPECT_FALSE(set->Contains(Algorithm::kRs384));
  EXPECT_FALSE(set->Contains(Algorithm::kHs256));
  EXPECT_EQ(set->ToString(), "RS256,ES256,EdDSA");
}

TEST(AlgorithmSetTest, ParsesSingleNameAndRepeats) {
  absl::StatusOr<AlgorithmSet> one = AlgorithmSet::Parse("HS512");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->ToString(), "HS512");
  absl::StatusOr<AlgorithmSet> twice = AlgorithmSet::Parse("HS512,HS512");
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(*twice, *one);
}

TEST(AlgorithmSetTest, ParsesEveryName) {
  absl::StatusOr<AlgorithmSet> set = AlgorithmSet::Parse(
      "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA,HS256,HS384,HS512");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(*set, AlgorithmSet::All());
}

struct ParseErrorCase {
  std::string name;
  std::string list;
  std::string culprit;  // must appear in the message
};

class AlgorithmSetParseErrorTest : public ::testing::TestWithParam<ParseErrorCase> {};

TEST_P(AlgorithmSetParseErrorTest, RejectsList) {
  absl::StatusOr<AlgorithmSet> set = AlgorithmSet::Parse(GetParam().list);
  ASSERT_FALSE(set.ok()) << GetParam().list;
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(set.status().message()).find(GetParam().culprit), std::string::npos)
      << set.status();
}

INSTANTIATE_TEST_SUITE_P(
    Lists, AlgorithmSetParseErrorTest,
    ::testing::Values(ParseErrorCase{"None", "none", "none"},
                      ParseErrorCase{"NoneCapitalized", "None", "None"},
                      ParseErrorCase{"NoneUpper", "NONE", "NONE"},
                      ParseErrorCase{"NoneAfterValid", "RS256,none", "none"},
                      ParseErrorCase{"NoneBeforeValid", "None,RS256", "None"},
                      ParseErrorCase{"Unknown", "RS256,FOO256", "FOO256"},
                      ParseErrorCase{"Lowercase", "rs256", "rs256"},
                      ParseErrorCase{"SpaceAfterComma", "RS256, ES256", " ES256"},
                      ParseErrorCase{"Empty", "", "empty"},
                      ParseErrorCase{"TrailingComma", "RS256,", "empty"},
                      ParseErrorCase{"LeadingComma", ",RS256", "empty"},
                      ParseErrorCase{"DoubleComma", "RS256,,ES256", "empty"},
                      ParseErrorCase{"OnlyComma", ",", "empty"}),
    [](const ::testing::TestParamInfo<ParseErrorCase>& p) { return p.param.name; });

TEST(AlgorithmSetTest, DefaultIsEmpty) {
  constexpr AlgorithmSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.ToString(), "");
  for (const AlgorithmRow& row : kRows) {
    EXPECT_FALSE(set.Contains(row.alg));
  }
}

TEST(AlgorithmSetTest, AllContainsEveryAlgorithm) {
  for (const AlgorithmRow& row : kRows) {
    EXPECT_TRUE(AlgorithmSet::All().Contains(row.alg)) << row.name;
  }
  EXPECT_EQ(AlgorithmSet::All().ToString(),
            "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA,HS256,HS384,HS512");
}

TEST(AlgorithmSetTest, IntersectsAndUnites) {
  AlgorithmSet a;
  a.Add(Algorithm::kRs256);
  a.Add(Algorithm::kEs256);
  AlgorithmSet b;
  b.Add(Algorithm::kEs256);
  b.Add(Algorithm::kHs256);
  EXPECT_EQ(a.Intersect(b).ToString(), "ES256");
  EXPECT_EQ(a.Union(b).ToString(), "RS256,ES256,HS256");
  AlgorithmSet c;
  c.Add(Algorithm::kPs512);
  EXPECT_TRUE(a.Intersect(c).empty());
}

TEST(AlgorithmSetTest, ToStringUsesEnumOrder) {
  absl::StatusOr<AlgorithmSet> set = AlgorithmSet::Parse("HS256,EdDSA,RS256");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->ToString(), "RS256,EdDSA,HS256");
}

}  // namespace
}  // namespace tokenwarden
