// base/hex.h: the one hex table. Encoding is lowercase (uppercase only when asked, for
// percent-encoding); DecodeLowerHex reads back exactly what AppendHex writes and nothing else.
#include "base/hex.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

using namespace std::string_literals;

TEST(HexTest, EncodesLowercaseTwoDigitsPerByte) {
  EXPECT_EQ(HexEncode(std::string_view()), "");
  EXPECT_EQ(HexEncode("\x00\x01\x0f\x10\x7f\x80\xab\xff"s), "00010f107f80abff");
  const std::array<uint8_t, 3> bytes = {0xde, 0xad, 0x01};
  EXPECT_EQ(HexEncode(bytes), "dead01");
}

TEST(HexTest, AppendHexAppends) {
  std::string out = "key=";
  AppendHex("\x12\x34"s, out);
  EXPECT_EQ(out, "key=1234");
}

TEST(HexTest, AppendHexByteInEitherCase) {
  std::string out;
  AppendHexByte(0xab, out);
  AppendHexByte(0xab, out, HexCase::kUpper);
  AppendHexByte(0x0c, out, HexCase::kUpper);
  EXPECT_EQ(out, "abAB0C");
}

TEST(HexTest, EveryByteRoundTrips) {
  std::array<uint8_t, 256> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(i);
  }
  const std::string hex = HexEncode(bytes);
  ASSERT_EQ(hex.size(), 512u);
  std::array<uint8_t, 256> back = {};
  ASSERT_TRUE(DecodeLowerHex(hex, back));
  EXPECT_EQ(back, bytes);
}

TEST(HexTest, DigitValuesOfEitherCase) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  for (const char c : "gG/:@`\0 %"s) {
    EXPECT_EQ(HexDigitValue(c), -1) << static_cast<int>(c);
  }
  EXPECT_EQ(LowerHexDigitValue('f'), 15);
  EXPECT_EQ(LowerHexDigitValue('7'), 7);
  EXPECT_EQ(LowerHexDigitValue('F'), -1);
  EXPECT_EQ(LowerHexDigitValue('A'), -1);
}

TEST(HexTest, DecodeLowerHexRejectsUppercaseOddAndWrongLengths) {
  std::array<uint8_t, 2> out = {};
  EXPECT_TRUE(DecodeLowerHex("0aff", out));
  EXPECT_EQ(out[0], 0x0a);
  EXPECT_EQ(out[1], 0xff);
  EXPECT_FALSE(DecodeLowerHex("0AFF", out));  // one spelling per value
  EXPECT_FALSE(DecodeLowerHex("0aF", out));
  EXPECT_FALSE(DecodeLowerHex("0af", out));
  EXPECT_FALSE(DecodeLowerHex("0aff00", out));
  EXPECT_FALSE(DecodeLowerHex("0ag0", out));
  EXPECT_FALSE(DecodeLowerHex(" aff", out));
  EXPECT_FALSE(DecodeLowerHex("-1ff", out));
  EXPECT_TRUE(DecodeLowerHex("", std::span<uint8_t>()));
}

}  // namespace
}  // namespace tokenwarden::base
