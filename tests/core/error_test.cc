#include "core/error.h"

#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "tests/core/test_tokens.h"  // PrintTo(Error)

namespace tokenwarden {
namespace {

// The wire codes are part of the CLI contract: append only, never renumber.
constexpr std::string_view kCodes[] = {
    "ok",
    "malformed",
    "token_too_large",
    "unsupported_algorithm",
    "algorithm_not_allowed",
    "unsupported_critical_header",
    "key_not_found",
    "invalid_signature",
    "expired",
    "not_yet_valid",
    "invalid_issuer",
    "invalid_audience",
    "invalid_type",
    "invalid_nonce",
    "invalid_at_hash",
    "missing_claim",
    "insufficient_scope",
    "too_old",
    "revoked",
    "invalid_dpop_proof",
    "dpop_proof_replayed",
    "use_dpop_nonce",
    "dpop_key_mismatch",
    "proof_of_possession_required",
    "certificate_mismatch",
};

TEST(ErrorTest, CodesAreStableInEnumOrder) {
  ASSERT_EQ(std::size(kCodes), static_cast<size_t>(kNumErrors));
  for (int i = 0; i < kNumErrors; ++i) {
    EXPECT_EQ(ErrorCode(static_cast<Error>(i)), kCodes[i]) << i;
  }
  EXPECT_EQ(ErrorCode(Error::kInvalidSignature), "invalid_signature");
  EXPECT_EQ(ErrorCode(Error::kRevoked), "revoked");
}

TEST(ErrorTest, ParsesEveryCodeBack) {
  for (int i = 0; i < kNumErrors; ++i) {
    EXPECT_EQ(ParseErrorCode(kCodes[i]), static_cast<Error>(i)) << kCodes[i];
  }
  EXPECT_FALSE(ParseErrorCode("").has_value());
  EXPECT_FALSE(ParseErrorCode("Expired").has_value());
  EXPECT_FALSE(ParseErrorCode("exit2").has_value());
}

TEST(ErrorTest, SummariesAreDistinctSentences) {
  std::set<std::string_view> seen;
  for (int i = 0; i < kNumErrors; ++i) {
    const std::string_view summary = ErrorSummary(static_cast<Error>(i));
    EXPECT_FALSE(summary.empty()) << i;
    EXPECT_TRUE(seen.insert(summary).second) << summary;
  }
}

TEST(ErrorTest, OutOfRangeValueIsUnknown) {
  EXPECT_EQ(ErrorCode(static_cast<Error>(kNumErrors)), "unknown");
  EXPECT_EQ(ErrorCode(static_cast<Error>(255)), "unknown");
  EXPECT_FALSE(ErrorSummary(static_cast<Error>(200)).empty());
}

}  // namespace
}  // namespace tokenwarden
