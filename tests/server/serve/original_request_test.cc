#include "server/serve/original_request.h"

#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tokenwarden::server {
namespace {

// Ask builds a /validate request (`path` as asked) with `headers` and rebuilds its original.
OriginalRequest Ask(std::string_view method, std::string_view path,
                    std::vector<std::pair<std::string_view, std::string_view>> headers) {
  static thread_local std::vector<http::HeaderField> fields;
  fields.clear();
  for (const auto& [name, value] : headers) {
    fields.push_back(http::HeaderField{name, value});
  }
  http::Request request;
  request.method = method;
  request.path = path;
  request.target = path;
  request.headers = fields;
  return OriginalOf(request);
}

TEST(OriginalRequestTest, NginxHeadersGiveTheWholeUrlWithoutTheQuery) {
  const OriginalRequest original = Ask("GET", "/validate",
                                       {{"X-Original-Method", "POST"},
                                        {"X-Original-URI", "/api/%7Eorders/../items?id=1#frag"},
                                        {"X-Forwarded-Proto", "https"},
                                        {"X-Forwarded-Host", "api.example.com"},
                                        {"Host", "127.0.0.1:8080"}});
  EXPECT_FALSE(original.ambiguous);
  EXPECT_EQ(original.method, "POST");
  EXPECT_EQ(original.path, "/api/items");
  EXPECT_EQ(original.raw_path, "/api/%7Eorders/../items");
  EXPECT_EQ(original.Url(), "https://api.example.com/api/%7Eorders/../items");
}

TEST(OriginalRequestTest, TraefikHeaders) {
  const OriginalRequest original = Ask("GET", "/validate",
                                       {{"X-Forwarded-Method", "DELETE"},
                                        {"X-Forwarded-Proto", "http"},
                                        {"X-Forwarded-Host", "shop.example:8443"},
                                        {"X-Forwarded-Uri", "/cart/1"}});
  EXPECT_EQ(original.method, "DELETE");
  EXPECT_EQ(original.Url(), "http://shop.example:8443/cart/1");
}

TEST(OriginalRequestTest, EnvoyPathPrefixAndHostHeader) {
  const OriginalRequest original = Ask(
      "PUT", "/validate/v1/things", {{"Host", "things.example"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(original.method, "PUT");
  EXPECT_EQ(original.path, "/v1/things");
  EXPECT_EQ(original.Url(), "https://things.example/v1/things");
}

TEST(OriginalRequestTest, NoUrlWithoutSchemeOrPath) {
  EXPECT_EQ(Ask("GET", "/validate", {{"X-Original-URI", "/a"}, {"Host", "h"}}).Url(), std::nullopt);
  EXPECT_EQ(Ask("GET", "/validate", {{"X-Forwarded-Proto", "https"}, {"Host", "h"}}).Url(),
            std::nullopt);
}

TEST(OriginalRequestTest, AListOrARepeatedOriginHeaderLeavesNoUrl) {
  const OriginalRequest listed = Ask(
      "GET", "/validate",
      {{"X-Original-URI", "/a"}, {"X-Forwarded-Proto", "https, http"}, {"X-Forwarded-Host", "h"}});
  EXPECT_TRUE(listed.origin_ambiguous);
  EXPECT_FALSE(listed.ambiguous);  // the route rules do not read the origin
  EXPECT_EQ(listed.Url(), std::nullopt);
  const OriginalRequest repeated = Ask("GET", "/validate",
                                       {{"X-Original-URI", "/a"},
                                        {"X-Forwarded-Proto", "https"},
                                        {"X-Forwarded-Host", "h"},
                                        {"X-Forwarded-Host", "evil"}});
  EXPECT_TRUE(repeated.origin_ambiguous);
  EXPECT_EQ(repeated.Url(), std::nullopt);
}

TEST(OriginalRequestTest, DisagreeingPathSourcesAreAmbiguous) {
  EXPECT_TRUE(
      Ask("GET", "/validate", {{"X-Original-URI", "/admin"}, {"X-Forwarded-Uri", "/public"}})
          .ambiguous);
  EXPECT_TRUE(
      Ask("GET", "/validate", {{"X-Original-URI", "/a"}, {"X-Original-URI", "/a"}}).ambiguous);
}

}  // namespace
}  // namespace tokenwarden::server
