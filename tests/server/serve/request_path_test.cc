// NormalizeRequestPath: the original request's path as the application behind the gateway
// reads it, so route_scopes cannot be dodged by spelling (server/serve/request_path.h).
#include "server/serve/request_path.h"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tokenwarden::server {
namespace {

struct Case {
  std::string_view uri;
  std::string_view path;
};

TEST(RequestPathTest, NormalizesWhatApplicationsReadAlike) {
  for (const Case& c : std::initializer_list<Case>{
           {"/", "/"},
           {"/admin", "/admin"},
           {"/admin/", "/admin/"},
           {"/admin/users?next=/public", "/admin/users"},
           {"/admin#frag", "/admin"},
           {"/public/../admin/users", "/admin/users"},
           {"/public/%2e%2E/admin", "/admin"},
           {"/./admin/./users", "/admin/users"},
           {"/../../admin", "/admin"},
           {"//admin", "/admin"},
           {"/admin//users///", "/admin/users/"},
           {"/%61dmin/%75sers", "/admin/users"},
           {"/admin/..", "/"},
           {"/admin/users/.", "/admin/users/"},
           {"/admin/users/..", "/admin/"},
           {"/a%20b", "/a b"},
           {"/%7Euser", "/~user"},
           {"/caf%C3%A9", "/caf\xC3\xA9"},
           {"/%2e%2e%2e", "/..."},
           {"/?", "/"},
       }) {
    const std::optional<std::string> path = NormalizeRequestPath(c.uri);
    ASSERT_TRUE(path.has_value()) << c.uri;
    EXPECT_EQ(*path, c.path) << c.uri;
  }
}

TEST(RequestPathTest, RefusesWhatApplicationsReadDifferently) {
  for (const std::string_view uri : {
           "",
           "admin",
           "http://host/admin",
           "*",
           "?x",
           "/admin%2Fusers",
           "/admin%2fusers",
           "/public%5C..%5Cadmin",
           "/public\\..\\admin",
           "/admin%00",
           "/admin%0d%0a",
           "/admin\t",
           "/admin%7f",
           "/admin%",
           "/admin%4",
           "/admin%zz",
           "/admin%%41",
       }) {
    EXPECT_FALSE(NormalizeRequestPath(uri).has_value()) << uri;
  }
}

}  // namespace
}  // namespace tokenwarden::server
