// Member names as integers (core/internal/member_name.h) and the typed-claim table they index
// (core/internal/claim_rules.h): the payload reader's dispatch and duplicate check rest on
// both, so their edge cases are pinned here; the reader's own verdicts are in jose_json_test.
#include "core/internal/member_name.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/internal/claim_rules.h"
#include "tests/core/exact_buffer.h"

namespace tokenwarden {
namespace {

using internal::FindClaimRule;
using internal::KeyOf;
using internal::NameKey;
using internal::NameSeenFilter;

uint64_t KeyAtEnd(std::string_view name) {
  const ExactBuffer buffer(name);
  return NameKey::Of(buffer.view(), buffer.end()).key;
}

TEST(NameKeyTest, MatchesTheCompileTimeKeyOfALiteral) {
  EXPECT_EQ(KeyAtEnd("exp"), KeyOf("exp"));
  EXPECT_EQ(KeyAtEnd("at_hash"), KeyOf("at_hash"));
  EXPECT_EQ(KeyAtEnd("client_id"), KeyOf("client_id"));
  EXPECT_EQ(KeyAtEnd("a"), KeyOf("a"));
  EXPECT_EQ(KeyAtEnd(""), KeyOf(""));
}

TEST(NameKeyTest, ShortNamesAreEqualExactlyWhenTheirKeysAre) {
  const std::vector<std::string> names = {"",
                                          "a",
                                          "b",
                                          "ab",
                                          "ba",
                                          "exp",
                                          "exq",
                                          "expx",
                                          "iss",
                                          "is",
                                          "issuer",
                                          "at_hash",
                                          "at_hasi",
                                          std::string("a\0b", 3),
                                          std::string("a\0", 2)};
  for (const std::string& a : names) {
    for (const std::string& b : names) {
      EXPECT_EQ(KeyAtEnd(a) == KeyAtEnd(b), a == b) << a << " / " << b;
    }
  }
}

TEST(NameKeyTest, ReadsWithinTheTextWhereverTheNameSits) {
  // A name at the very end of the text, of every length around the eight-byte load.
  for (size_t n = 0; n <= 12; ++n) {
    const std::string name(n, 'x');
    const ExactBuffer buffer(name);
    const NameKey key = NameKey::Of(buffer.view(), buffer.end());
    EXPECT_EQ(key.key >> 56, n) << n;
  }
  // Bytes after a short name inside a longer text do not leak into its key.
  const ExactBuffer text(R"("ex":1,"exp":2)");
  EXPECT_EQ(NameKey::Of(text.view().substr(1, 2), text.end()).key, KeyOf("ex"));
}

TEST(NameSeenFilterTest, NeverMissesARepeatedName) {
  NameSeenFilter filter;
  const std::vector<std::string> names = {"iss", "extension_Department", "extension_Departmenu",
                                          "sub", "a_rather_long_claim_name_1"};
  for (int round = 0; round < 3; ++round) {
    filter.Begin();
    for (const std::string& name : names) {
      filter.Add(name, NameKey::Of(name, name.data() + name.size()));
    }
    filter.Add(names[round + 1],
               NameKey::Of(names[round + 1], names[round + 1].data() + names[round + 1].size()));
    EXPECT_TRUE(filter.maybe_repeated()) << round;
  }
}

TEST(NameSeenFilterTest, StartsEveryObjectEmptyAcrossStampWrapAround) {
  NameSeenFilter filter;
  const std::string name = "sub";
  const NameKey key = NameKey::Of(name, name.data() + name.size());
  // More objects than a 16-bit stamp counts: each starts empty, including the one at the wrap.
  for (int i = 0; i < 70'000; ++i) {
    filter.Begin();
    filter.Add(name, key);
    ASSERT_FALSE(filter.maybe_repeated()) << i;
    filter.Add(name, key);
    ASSERT_TRUE(filter.maybe_repeated()) << i;
  }
}

TEST(NameSeenFilterTest, DistinctNamesAreRarelyAMaybe) {
  // The exact check runs only on a maybe; with 2,048 slots, twenty names make one in a small
  // share of objects. Counted over many generated sets so the bound is not one lucky draw.
  NameSeenFilter filter;
  int maybes = 0;
  for (int set = 0; set < 1000; ++set) {
    filter.Begin();
    for (int i = 0; i < 20; ++i) {
      const std::string name = "claim_" + std::to_string(set) + "_" + std::to_string(i);
      filter.Add(name, NameKey::Of(name, name.data() + name.size()));
    }
    maybes += filter.maybe_repeated() ? 1 : 0;
  }
  EXPECT_LT(maybes, 250);
}

TEST(ClaimRulesTest, FindsEveryTypedClaimByItsName) {
  for (std::string_view name :
       {"exp", "nbf", "iat", "auth_time", "iss", "sub", "jti", "azp", "client_id", "cid", "appid",
        "sid", "nonce", "at_hash", "aud", "scope", "scp", "cnf"}) {
    const std::string copy(name);
    const internal::ClaimRule* rule =
        FindClaimRule(copy, NameKey::Of(copy, copy.data() + copy.size()).key);
    ASSERT_NE(rule, nullptr) << name;
    EXPECT_EQ(rule->name, name);
    EXPECT_NE(rule->why.find(name), std::string_view::npos) << name;
  }
}

TEST(ClaimRulesTest, OtherNamesAreKeptAsText) {
  // Near misses: a byte off, a byte longer or shorter, and names that share a long name's
  // seven-byte key and length but differ after it.
  for (std::string_view name : {"ex", "expx", "Exp", "ISS", "auth_timf", "client_ie", "client_i",
                                "auth_time_", "scopes", "aud ", "", "tenant", "roles"}) {
    const std::string copy(name);
    EXPECT_EQ(FindClaimRule(copy, NameKey::Of(copy, copy.data() + copy.size()).key), nullptr)
        << name;
  }
}

}  // namespace
}  // namespace tokenwarden
