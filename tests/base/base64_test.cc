// base/base64.h: padded standard Base64 (RFC 4648 §4). Encoding matches the RFC's test
// vectors; decoding accepts exactly what encoding produces, nothing else.
#include "base/base64.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

using namespace std::string_literals;

TEST(Base64Test, EncodesRfc4648Vectors) {
  // RFC 4648 §10.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  // RFC 7617 §2: the Basic credentials example.
  EXPECT_EQ(Base64Encode("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(Base64Encode("\xfb\xff"s), "+/8=");  // the standard alphabet's 62 and 63
}

TEST(Base64Test, RoundTripsAllLengthsAndByteValues) {
  std::string data;
  for (int len = 0; len < 300; ++len) {
    const std::string encoded = Base64Encode(data);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(Base64Decode(encoded), data) << encoded;
    data.push_back(static_cast<char>(len * 37 + 11));  // every byte value along the way
  }
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(Base64Decode("+/8="), "\xfb\xff"s);
  EXPECT_EQ(Base64Decode("AA=="), "\0"s);
}

TEST(Base64Test, RejectsWhatEncodingNeverWrites) {
  for (const std::string_view in : {
           "Zg",         "Zg=",         "Zm8",       "Z",
           "Zm9vY",  // not whole padded groups
           "Zg===",      "Zm8==",       "====",      "=Zg=",
           "Z===",       "Zg=a",        "Zg==Zg==",  // misplaced padding
           "Zm9v\nYmFy", "Zm9v YmFy",   " Zm9vYmFy", "Zm9vYmFy\r\n",
           "Zm\t9v",                             // whitespace
           "-_8=",       "Zm9-",        "Zm9_",  // base64url alphabet
           "Zm9v*mFy",   "Zm9v\x80mFy",          // other bytes
       }) {
    EXPECT_EQ(Base64Decode(in), std::nullopt) << in;
  }
  EXPECT_EQ(Base64Decode("Zm\0v"s), std::nullopt);
}

TEST(Base64Test, RejectsNonZeroTrailingBits) {
  // RFC 4648 §3.5: "Zh==" and "Zm9=" carry bits past the last byte; only "Zg==" and "Zm8="
  // spell those bytes.
  for (const std::string_view in : {"Zh==", "Zv==", "Z/==", "Zm9=", "Zm+=", "Zm8vYmF="}) {
    EXPECT_EQ(Base64Decode(in), std::nullopt) << in;
  }
  EXPECT_EQ(Base64Decode("Zm8vYmE="), "fo/ba");
}

}  // namespace
}  // namespace tokenwarden::base
