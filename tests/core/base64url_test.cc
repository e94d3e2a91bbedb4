#include "core/base64url.h"

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

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

}  // namespace
}  // namespace tokenwarden
