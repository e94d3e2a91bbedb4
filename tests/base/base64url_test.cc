#include "base/base64url.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool Decodes(std::string_view in) { return Base64UrlDecodeToString(in).has_value(); }

TEST(Base64UrlTest, RoundTripsAllLengths) {
  std::string data;
  for (int len = 0; len < 64; ++len) {
    const std::string encoded = Base64UrlEncode(data);
    std::optional<std::string> decoded = Base64UrlDecodeToString(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<char>(len * 37 + 11));
  }
}

TEST(Base64UrlTest, RoundTripsEveryByteValue) {
  std::string data;
  for (int b = 0; b < 256; ++b) {
    data.push_back(static_cast<char>(b));
  }
  const std::string encoded = Base64UrlEncode(data);
  EXPECT_EQ(encoded.find_first_not_of(kAlphabet), std::string::npos);
  EXPECT_EQ(Base64UrlDecodeToString(encoded), data);
}

// RFC 4648 §10 test vectors, padding removed.
struct Vector {
  std::string_view decoded;
  std::string_view encoded;
};

class Base64UrlVectorTest : public ::testing::TestWithParam<Vector> {};

TEST_P(Base64UrlVectorTest, EncodesAndDecodesKnownVector) {
  EXPECT_EQ(Base64UrlEncode(GetParam().decoded), GetParam().encoded);
  EXPECT_EQ(Base64UrlDecodeToString(GetParam().encoded), std::string(GetParam().decoded));
}

INSTANTIATE_TEST_SUITE_P(Rfc4648, Base64UrlVectorTest,
                         ::testing::Values(Vector{"", ""}, Vector{"f", "Zg"}, Vector{"fo", "Zm8"},
                                           Vector{"foo", "Zm9v"}, Vector{"foob", "Zm9vYg"},
                                           Vector{"fooba", "Zm9vYmE"}, Vector{"foobar", "Zm9vYmFy"},
                                           // The two characters that differ from base64.
                                           Vector{"\xfb\xff", "-_8"},
                                           Vector{"\xff\xff\xff", "____"},
                                           Vector{"\xfb\xef\xbe", "----"}));

TEST(Base64UrlTest, DecodedLengthFollowsEncodedLength) {
  for (size_t len = 0; len < 40; ++len) {
    const std::optional<size_t> decoded = Base64UrlDecodedLength(len);
    if (len % 4 == 1) {
      EXPECT_FALSE(decoded.has_value()) << len;
      continue;
    }
    ASSERT_TRUE(decoded.has_value()) << len;
    EXPECT_EQ(*decoded, len * 3 / 4) << len;
    EXPECT_EQ(Base64UrlEncode(std::string(*decoded, 'x')).size(), len) << len;
  }
}

TEST(Base64UrlTest, DecodeWritesExactlyTheDecodedLength) {
  for (size_t n = 0; n < 20; ++n) {
    const std::string data(n, '\x5a');
    const std::string encoded = Base64UrlEncode(data);
    std::vector<uint8_t> out(n + 8, 0xee);
    ASSERT_TRUE(Base64UrlDecode(encoded, out.data())) << encoded;
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i], 0x5a);
    }
    for (size_t i = n; i < out.size(); ++i) {
      EXPECT_EQ(out[i], 0xee) << "wrote past the decoded length at " << i;
    }
  }
}

TEST(Base64UrlTest, DecodesEmptyInput) { EXPECT_EQ(Base64UrlDecodeToString(""), std::string()); }

TEST(Base64UrlTest, RejectsPadding) {
  EXPECT_FALSE(Decodes("QQ=="));
  EXPECT_FALSE(Decodes("QUI="));
  EXPECT_FALSE(Decodes("QQ="));
  EXPECT_FALSE(Decodes("="));
  EXPECT_FALSE(Decodes("===="));
  EXPECT_FALSE(Decodes("QUJD===="));
  EXPECT_TRUE(Decodes("QQ"));
  EXPECT_TRUE(Decodes("QUI"));
}

TEST(Base64UrlTest, RejectsStandardAlphabet) {
  ASSERT_TRUE(Decodes("-_8"));
  EXPECT_FALSE(Decodes("+/8"));
  EXPECT_FALSE(Decodes("+_8"));
  EXPECT_FALSE(Decodes("-/8"));
  EXPECT_FALSE(Decodes("ab+c"));
  EXPECT_FALSE(Decodes("ab/c"));
}

TEST(Base64UrlTest, RejectsWhitespace) {
  for (std::string_view in :
       {" QUJD", "QUJD ", "QU JD", "QUJD\n", "\nQUJD", "QU\tJD", "QU\r\nJD", "QUJDQUJD\n"}) {
    EXPECT_FALSE(Decodes(in)) << "\"" << in << "\"";
  }
}

TEST(Base64UrlTest, RejectsLengthModFourOne) {
  for (std::string_view in : {"Q", "QUJDR", "QUJDQUJDQ"}) {
    EXPECT_FALSE(Decodes(in)) << in;
    uint8_t out[16];
    EXPECT_FALSE(Base64UrlDecode(in, out)) << in;
  }
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "QQ" is 'A'; "QR".."QV" decode to 'A' too with lenient decoders (the low 4 bits of the
  // last character are unused). Only the encoding with zero unused bits is accepted.
  EXPECT_TRUE(Decodes("QQ"));
  EXPECT_FALSE(Decodes("QR"));
  EXPECT_FALSE(Decodes("QS"));
  EXPECT_FALSE(Decodes("QV"));
  EXPECT_TRUE(Decodes("QUI"));  // "AB"
  EXPECT_FALSE(Decodes("QUJ"));
  EXPECT_FALSE(Decodes("QUK"));
  EXPECT_FALSE(Decodes("QUJDQR"));
  EXPECT_FALSE(Decodes("QUJDQUJ"));
}

TEST(Base64UrlTest, AcceptsOnlyCanonicalLastCharacterExhaustively) {
  for (size_t v = 0; v < kAlphabet.size(); ++v) {
    const std::string two = std::string("Q") + kAlphabet[v];
    const std::string three = std::string("QU") + kAlphabet[v];
    EXPECT_EQ(Decodes(two), (v & 0x0f) == 0) << two;
    EXPECT_EQ(Decodes(three), (v & 0x03) == 0) << three;
  }
}

TEST(Base64UrlTest, RejectsEveryByteOutsideTheAlphabetInEveryPosition) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool in_alphabet = kAlphabet.find(c) != std::string_view::npos;
    // Position 0..3 of a full quantum, then the two- and three-character tails (first char,
    // so the canonical-bits rule does not interfere).
    for (size_t pos = 0; pos < 4; ++pos) {
      std::string in = "QUJD";
      in[pos] = c;
      EXPECT_EQ(Decodes(in), in_alphabet) << "byte " << b << " at " << pos;
    }
    EXPECT_EQ(Decodes(std::string(1, c) + "A"), in_alphabet) << "byte " << b;
    EXPECT_EQ(Decodes(std::string("QU") + c + "D" + c + "A"), in_alphabet) << "byte " << b;
    EXPECT_EQ(Decodes(std::string("QUJD") + c + "UI"), in_alphabet) << "byte " << b;
  }
}

// Inputs of 32 characters and more take the vector path (AVX2 where the CPU has it) for their
// whole 32-character blocks; it must give the scalar path's verdict and bytes exactly.
TEST(Base64UrlTest, VectorPathRejectsEveryOutsiderInEveryBlockPosition) {
  const std::string base = std::string(kAlphabet) + std::string(kAlphabet.substr(0, 36));  // 100
  for (size_t pos = 0; pos < 64; ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string in = base;
      in[pos] = static_cast<char>(b);
      const bool in_alphabet = kAlphabet.find(static_cast<char>(b)) != std::string_view::npos;
      std::vector<uint8_t> vec(75), scalar(75);
      const bool vec_ok = Base64UrlDecode(in, vec.data());
      ASSERT_EQ(vec_ok, in_alphabet) << "byte " << b << " at " << pos;
      ASSERT_EQ(Base64UrlDecodeScalarForTesting(in, scalar.data()), in_alphabet);
      if (vec_ok) {
        ASSERT_EQ(vec, scalar) << "byte " << b << " at " << pos;
      }
    }
  }
}

TEST(Base64UrlTest, VectorAndScalarPathsAgreeOnEveryLengthAndByte) {
  // Every length across three blocks, over a byte pattern that reaches all 64 values in
  // every position of a block.
  for (size_t bytes = 0; bytes <= 80; ++bytes) {
    std::vector<uint8_t> data(bytes);
    for (size_t i = 0; i < bytes; ++i) {
      data[i] = static_cast<uint8_t>(i * 37 + bytes * 11);
    }
    const std::string encoded = Base64UrlEncode(data);
    std::vector<uint8_t> vec(bytes + 8, 0xAA), scalar(bytes + 8, 0xAA);
    ASSERT_TRUE(Base64UrlDecode(encoded, vec.data())) << bytes;
    ASSERT_TRUE(Base64UrlDecodeScalarForTesting(encoded, scalar.data())) << bytes;
    EXPECT_EQ(std::vector<uint8_t>(vec.begin(), vec.begin() + static_cast<long>(bytes)), data);
    EXPECT_EQ(vec, scalar) << "the vector path wrote past the decoded length at " << bytes;
  }
}

TEST(Base64UrlTest, EncodesWithoutPadding) {
  for (size_t n = 0; n < 10; ++n) {
    EXPECT_EQ(Base64UrlEncode(std::string(n, 'a')).find('='), std::string::npos);
  }
}

TEST(Base64UrlTest, EncodesSpanAndStringViewAlike) {
  const uint8_t bytes[] = {0x00, 0x10, 0x83, 0xff, 0xfe};
  EXPECT_EQ(Base64UrlEncode(std::span<const uint8_t>(bytes)),
            Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), 5)));
  EXPECT_EQ(Base64UrlEncode(std::span<const uint8_t>(bytes)), "ABCD__4");
}

}  // namespace
}  // namespace tokenwarden::base
