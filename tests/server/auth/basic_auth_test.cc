#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/base64.h"
#include "server/auth/client_auth.h"

namespace tokenwarden::server {
namespace {

// StdB64 is padded standard Base64 from the encoder (the parser only decodes).
std::string StdB64(std::string_view s) { return base::Base64Encode(s); }

std::string Basic(std::string_view pair) { return "Basic " + StdB64(pair); }

struct Accepted {
  std::string header;
  std::string id;
  std::string secret;
};

class BasicAuthAcceptTest : public ::testing::TestWithParam<Accepted> {};

TEST_P(BasicAuthAcceptTest, DecodesIdAndSecret) {
  const Accepted& c = GetParam();
  std::optional<BasicCredentials> creds = ParseBasicAuthorization(c.header);
  ASSERT_TRUE(creds.has_value()) << c.header;
  EXPECT_EQ(creds->id, c.id);
  EXPECT_EQ(creds->secret, c.secret);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc, BasicAuthAcceptTest,
    ::testing::Values(
        // RFC 7617 §2's example.
        Accepted{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"},
        // RFC 6749 §2.3.1's example (nothing to encode).
        Accepted{"Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW", "s6BhdRkqt3", "gX1fBat3bV"},
        Accepted{"basic " + StdB64("user:pass"), "user", "pass"},
        Accepted{"BASIC " + StdB64("user:pass"), "user", "pass"},
        Accepted{"bAsIc   " + StdB64("user:pass"), "user", "pass"},  // 1*SP
        // Appendix B: '+' is a space, %XX either case, %2B a literal '+'.
        Accepted{Basic("my+client:a+b"), "my client", "a b"},
        Accepted{Basic("c%2Bd:p%2bq"), "c+d", "p+q"},
        Accepted{Basic("urn%3Aexample%3Aclient:s"), "urn:example:client", "s"},
        Accepted{Basic("caf%C3%A9:%c3%a9t%C3%A9"), "caf\xC3\xA9", "\xC3\xA9t\xC3\xA9"},
        Accepted{Basic("%25:%00"), "%", std::string("\0", 1)},
        // Only the first ':' separates; the secret keeps the others.
        Accepted{Basic("id:a:b:"), "id", "a:b:"},
        // Unencoded bytes pass through (clients that skip the encoding).
        Accepted{Basic("id:p/=?&"), "id", "p/=?&"},
        // An empty secret parses; it never authenticates (HashSecret stores none).
        Accepted{Basic("id:"), "id", ""},
        // Every padding length: 1, 2 and 3 trailing bytes.
        Accepted{Basic("a:b"), "a", "b"}, Accepted{Basic("a:bc"), "a", "bc"},
        Accepted{Basic("a:bcd"), "a", "bcd"}));

class BasicAuthRejectTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BasicAuthRejectTest, ReturnsNullopt) {
  EXPECT_FALSE(ParseBasicAuthorization(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, BasicAuthRejectTest,
    ::testing::Values(
        // Scheme and separator.
        "", "Basic", "Basic ", "BasicdXNlcjpwYXNz", "Basic\tdXNlcjpwYXNz", "Bearer dXNlcjpwYXNz",
        "Basi dXNlcjpwYXNz", " Basic dXNlcjpwYXNz", "Basic dXNlcjpwYXNz ", "Basic dXNlcjpwYXNz\r\n",
        // Base64: missing / extra / misplaced padding, whitespace, base64url alphabet,
        // non-zero trailing bits.
        "Basic YTpiYw", "Basic YTpiYw=", "Basic YTpiYw===", "Basic YTpiYw==YQ==", "Basic YTpi====",
        "Basic YTpi\nYw==", "Basic YTpi Yw==", "Basic YTo-Pz8_",
        "Basic YTpiYx==", "Basic YTpiYx=", "Basic YTpiYw=a", "Basic ====",
        // Structure: no colon, empty id.
        "Basic " + StdB64("useronly"), "Basic " + StdB64(":secret"), "Basic " + StdB64(""),
        // Bad escapes.
        "Basic " + StdB64("id:%"), "Basic " + StdB64("id:%4"), "Basic " + StdB64("id:%G1"),
        "Basic " + StdB64("id:%1G"), "Basic " + StdB64("%zz:s"), "Basic " + StdB64("i%:s"),
        // Too long (past 4 KiB).
        "Basic " + StdB64("id:" + std::string(3100, 'x'))));

TEST(BasicAuthTest, AcceptsBase64Alphabet62And63) {
  // 0xfb 0xff encodes to "+/8=": the standard alphabet's last two characters.
  std::optional<BasicCredentials> creds = ParseBasicAuthorization("Basic YTr7/w==");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->id, "a");
  EXPECT_EQ(creds->secret, "\xfb\xff");
}

TEST(BasicAuthTest, BoundsTheValueAt4KiB) {
  std::string pair = "id:" + std::string(3000, 'x');
  std::string header = Basic(pair);
  while (header.size() < 4096) {
    pair += "xxx";
    header = Basic(pair);
  }
  // Header lengths step by 4 here: the last one within the bound parses, the next does not.
  std::string smaller = Basic(pair.substr(0, pair.size() - 3));
  EXPECT_LE(smaller.size(), 4096u);
  EXPECT_TRUE(ParseBasicAuthorization(smaller).has_value());
  EXPECT_GT(header.size(), 4096u);
  EXPECT_FALSE(ParseBasicAuthorization(header).has_value());
}

}  // namespace
}  // namespace tokenwarden::server
