// DescribeToken turns a typed Header and Claims into owned lines, one per field, so tests can
// compare two views (a parse and its cache-record restoration, a cache miss and a hit) with
// EXPECT_EQ, keep a view after its buffers are reused, and read a mismatch by field name.
#ifndef TOKENWARDEN_TESTS_CORE_CLAIMS_DESCRIPTION_H_
#define TOKENWARDEN_TESTS_CORE_CLAIMS_DESCRIPTION_H_

#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/algorithm.h"
#include "core/claims.h"
#include "core/header.h"

namespace tokenwarden::testing {

namespace claims_description_internal {

inline std::string Text(std::string_view name, const std::optional<std::string_view>& v) {
  return v.has_value() ? std::string(name) + "=[" + std::string(*v) + "]"
                       : std::string(name) + " absent";
}

// Date prints the shortest text that reads back as the same double, so a line equality is
// a bit-for-bit equality of the time.
inline std::string Date(std::string_view name, const std::optional<double>& d) {
  if (!d.has_value()) {
    return std::string(name) + " absent";
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
  return std::string(name) + "=" + std::string(buf, ec == std::errc() ? end : buf);
}

inline std::string List(std::string_view name, std::span<const std::string_view> items) {
  std::string line = std::string(name) + "(" + std::to_string(items.size()) + ")";
  for (std::string_view item : items) {
    line += " [" + std::string(item) + "]";
  }
  return line;
}

}  // namespace claims_description_internal

inline std::vector<std::string> DescribeToken(const Header& h, const Claims& c) {
  namespace d = claims_description_internal;
  std::vector<std::string> lines = {
      "alg=" + std::string(AlgorithmName(h.alg)),
      d::Text("kid", h.kid),
      d::Text("typ", h.typ),
      d::Text("cty", h.cty),
      std::string("has_crit=") + (h.has_crit ? "true" : "false"),
      d::Text("iss", c.iss),
      d::Text("sub", c.sub),
      d::Text("jti", c.jti),
      d::Text("azp", c.azp),
      d::Text("client_id", c.client_id),
      d::Text("cid", c.cid),
      d::Text("appid", c.appid),
      d::Text("sid", c.sid),
      d::Text("nonce", c.nonce),
      d::Text("at_hash", c.at_hash),
      d::Text("scope", c.scope),
      d::Text("cnf", c.cnf),
      d::Date("exp", c.exp),
      d::Date("nbf", c.nbf),
      d::Date("iat", c.iat),
      d::Date("auth_time", c.auth_time),
      std::string("has_aud=") + (c.has_aud ? "true" : "false"),
      d::List("aud", c.aud),
      d::List("scopes", c.scopes),
      d::Text("ClientId()", c.ClientId()),
  };
  for (const ClaimMember& m : c.members) {
    lines.push_back("member [" + std::string(m.name) + "]=" + std::string(m.value));
  }
  return lines;
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_CORE_CLAIMS_DESCRIPTION_H_
