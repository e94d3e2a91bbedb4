// base/basic_credentials.h: the exact Authorization value sent for client credentials with the
// characters that tell the two spellings apart (':' '%' '+' space, non-ASCII), and the RFC
// 7617 §2 limits of the unencoded one.

#include "base/basic_credentials.h"

#include <string>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

using namespace std::string_literals;

TEST(BasicAuthorizationTest, FormEncodesIdAndSecretFirst) {
  // Base64("tw%20client:s3%3Acr%2Bet%20%C3%BC"): RFC 6749 §2.3.1 — a ':' inside the secret
  // and a space inside the id reach the server as escapes, and the one raw ':' separates.
  EXPECT_EQ(BasicAuthorization("tw client", "s3:cr+et \u00fc", /*form_encode=*/true),
            "Basic dHclMjBjbGllbnQ6czMlM0FjciUyQmV0JTIwJUMzJUJD");
  // Base64("client%20id%2B%25:%C3%A4%3Ab"): '+' and '%' in the id are escaped too.
  EXPECT_EQ(BasicAuthorization("client id+%", "\u00e4:b", /*form_encode=*/true),
            "Basic Y2xpZW50JTIwaWQlMkIlMjU6JUMzJUE0JTNBYg==");
}

TEST(BasicAuthorizationTest, RawSendsTheBytesThemselves) {
  // Base64("tw client:s3:cr+et \xc3\xbc"): nothing escaped, the secret's ':' kept (the server
  // splits at the first one), UTF-8 as it is.
  EXPECT_EQ(BasicAuthorization("tw client", "s3:cr+et \u00fc", /*form_encode=*/false),
            "Basic dHcgY2xpZW50OnMzOmNyK2V0IMO8");
  // Base64("my-api:p%41ss+w:rd \xc3\xbc"): a '%' is not an escape here, '+' not a space.
  EXPECT_EQ(BasicAuthorization("my-api", "p%41ss+w:rd \u00fc", /*form_encode=*/false),
            "Basic bXktYXBpOnAlNDFzcyt3OnJkIMO8");
}

TEST(BasicAuthorizationTest, PlainCredentialsAreTheSameBothWays) {
  EXPECT_EQ(BasicAuthorization("my-api", "secret-0123", true),
            BasicAuthorization("my-api", "secret-0123", false));
  EXPECT_EQ(BasicAuthorization("my-api", "secret-0123", false), "Basic bXktYXBpOnNlY3JldC0wMTIz");
}

TEST(RawBasicTest, UserIdHoldsNoColonOrControl) {
  EXPECT_TRUE(IsRawBasicUserId("tw client+%\u00fc"));
  EXPECT_FALSE(IsRawBasicUserId("urn:tw"));  // the first ':' would end the user-id
  EXPECT_FALSE(IsRawBasicUserId("tw\tclient"));
  EXPECT_FALSE(IsRawBasicUserId("tw\x7f"));
  EXPECT_FALSE(IsRawBasicUserId("tw\0x"s));
}

TEST(RawBasicTest, PasswordMayHoldColonButNoControl) {
  EXPECT_TRUE(IsRawBasicPassword("s3:cr+et %41 \u00fc"));
  EXPECT_FALSE(IsRawBasicPassword("line\rbreak"));
  EXPECT_FALSE(IsRawBasicPassword("nul\0byte"s));
  EXPECT_FALSE(IsRawBasicPassword("\x1f"));
}

}  // namespace
}  // namespace tokenwarden::base
