#include "core/compact.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

struct SplitCase {
  std::string name;
  std::string token;
  bool ok;
  std::string header;
  std::string payload;
  std::string signature;
};

class CompactSplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(CompactSplitTest, SplitsExactlyThreeSegments) {
  const SplitCase& c = GetParam();
  const std::optional<CompactParts> parts = SplitCompact(c.token);
  ASSERT_EQ(parts.has_value(), c.ok) << c.token;
  if (!c.ok) {
    return;
  }
  EXPECT_EQ(parts->header, c.header);
  EXPECT_EQ(parts->payload, c.payload);
  EXPECT_EQ(parts->signature, c.signature);
  EXPECT_EQ(parts->signing_input, c.header + "." + c.payload);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CompactSplitTest,
    ::testing::Values(SplitCase{"Empty", "", false, "", "", ""},
                      SplitCase{"OneSegment", "abc", false, "", "", ""},
                      SplitCase{"TwoSegments", "abc.def", false, "", "", ""},
                      SplitCase{"TwoSegmentsTrailingDot", "abc.", false, "", "", ""},
                      SplitCase{"Three", "abc.def.ghi", true, "abc", "def", "ghi"},
                      SplitCase{"FourSegments", "a.b.c.d", false, "", "", ""},
                      SplitCase{"FourSegmentsTrailingDot", "a.b.c.", false, "", "", ""},
                      SplitCase{"FiveSegments", "a.b.c.d.e", false, "", "", ""},
                      SplitCase{"OnlyDots", "..", true, "", "", ""},
                      SplitCase{"ThreeDots", "...", false, "", "", ""},
                      SplitCase{"EmptyHeader", ".b.c", true, "", "b", "c"},
                      SplitCase{"EmptyPayload", "a..c", true, "a", "", "c"},
                      SplitCase{"EmptySignature", "a.b.", true, "a", "b", ""},
                      SplitCase{"LeadingDot", ".a.b.c", false, "", "", ""}),
    [](const ::testing::TestParamInfo<SplitCase>& p) { return p.param.name; });

TEST(CompactTest, SlicesViewsFromTheToken) {
  const std::string token = "hdr.payload.sig";
  const std::optional<CompactParts> parts = SplitCompact(token);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->header.data(), token.data());
  EXPECT_EQ(parts->payload.data(), token.data() + 4);
  EXPECT_EQ(parts->signature.data(), token.data() + 12);
  // The signing input is the token's own bytes up to (not including) the second dot.
  EXPECT_EQ(parts->signing_input.data(), token.data());
  EXPECT_EQ(parts->signing_input.size(), 11u);
  EXPECT_EQ(parts->signing_input, "hdr.payload");
}

TEST(CompactTest, SigningInputOfEmptySegmentsIsOneDot) {
  const std::optional<CompactParts> parts = SplitCompact("..");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->signing_input, ".");
}

TEST(CompactTest, TreatsEveryOtherByteAsSegmentContent) {
  // Splitting only looks at dots; alphabet checks belong to decoding.
  const std::string token = std::string("a b\0c", 5) + ".=+/\n.\xff";
  const std::optional<CompactParts> parts = SplitCompact(token);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->header, std::string_view("a b\0c", 5));
  EXPECT_EQ(parts->payload, "=+/\n");
  EXPECT_EQ(parts->signature, "\xff");
}

}  // namespace
}  // namespace tokenwarden
