#include "server/upstream/introspection_response.h"

#include <string>
#include <unordered_set>

#include <absl/status/status.h>
#include <simdjson.h>

#include "base/str_cat.h"

namespace tokenwarden::server::upstream {
namespace {

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(base::StrCat("introspection response: ", why));
}

}  // namespace

absl::StatusOr<IntrospectionResult> ParseIntrospectionResponse(std::string_view body) {
  if (body.size() > kMaxResponseBytes) {
    return Bad("larger than 64 KiB");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return Bad("not a JSON object");
  }
  IntrospectionResult out;
  bool has_active = false;
  std::unordered_set<std::string_view> seen;
  for (auto [key, value] : object) {
    // A repeated member would let the relayed JSON say something other than what was checked.
    if (!seen.insert(key).second) {
      return Bad(base::StrCat("member \"", key.substr(0, 64), "\" is repeated"));
    }
    if (key == "active") {
      if (value.get_bool().get(out.active) != simdjson::SUCCESS) {
        return Bad("\"active\" is not a boolean");
      }
      has_active = true;
    } else if (key == "exp" || key == "iat" || key == "nbf") {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS) {
        return Bad(base::StrCat("\"", key, "\" is not an integer"));
      }
      if (key == "exp") {
        out.exp = number;
      }
    } else if (key == "aud" || key == "scope") {
      // RFC 7662 makes scope a string; an array of strings is read as the token's own scope
      // array would be (IdentityServer's JWTs carry one), by the same claims reader.
      bool ok = value.is_string();
      simdjson::dom::array items;
      if (!ok && value.get_array().get(items) == simdjson::SUCCESS) {
        ok = true;
        for (simdjson::dom::element item : items) {
          ok = ok && item.is_string();
        }
      }
      if (!ok) {
        return Bad(base::StrCat("\"", key, "\" is neither a string nor an array of strings"));
      }
    } else if (key == "client_id" || key == "username" || key == "token_type" || key == "sub" ||
               key == "iss" || key == "jti") {
      if (!value.is_string()) {
        return Bad(base::StrCat("\"", key, "\" is not a string"));
      }
    }
  }
  if (!has_active) {
    return Bad("no \"active\" member");
  }
  out.json = std::string(body);
  return out;
}

}  // namespace tokenwarden::server::upstream
