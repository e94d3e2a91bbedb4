#include "server/upstream/revocation_response.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include <simdjson.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "server/upstream/introspection_response.h"

namespace tokenwarden::server::upstream {
namespace {

// ErrorCodeOf returns the `error` member of an RFC 6749 §5.2 error body when it is one (at
// most 64 characters of the set §5.2 allows, so it can go into a log line as it is).
std::optional<std::string_view> ErrorCodeOf(std::string_view body, simdjson::dom::parser& parser) {
  std::string_view code;
  if (body.size() > kMaxResponseBytes ||
      parser.parse(body.data(), body.size())["error"].get_string().get(code) != simdjson::SUCCESS ||
      code.empty() || code.size() > 64) {
    return std::nullopt;
  }
  const bool allowed = std::all_of(code.begin(), code.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  });
  return allowed ? std::optional<std::string_view>(code) : std::nullopt;
}

// RetryAfterSeconds reads Retry-After as delta-seconds (RFC 9110 §10.2.3), bounded; 0 for an
// HTTP-date or anything else.
int64_t RetryAfterSeconds(std::optional<std::string_view> value) {
  if (!value.has_value() || value->empty() || value->size() > 9 ||
      !std::all_of(value->begin(), value->end(), base::IsAsciiDigit)) {
    return 0;
  }
  int64_t seconds = 0;
  for (char c : *value) {
    seconds = seconds * 10 + (c - '0');
  }
  return std::clamp<int64_t>(seconds, 1, kMaxRetryAfterSeconds);
}

}  // namespace

RevocationOutcome ReadRevocationResponse(const fetch::FetchResponse& response) {
  RevocationOutcome out;
  if (response.status == 200) {
    out.kind = RevocationOutcome::Kind::kRevoked;  // §2.2: the body is ignored
    return out;
  }
  simdjson::dom::parser parser;
  const std::optional<std::string_view> code = ErrorCodeOf(response.body, parser);
  if (response.status == 400 && code == "unsupported_token_type") {
    out.kind = RevocationOutcome::Kind::kUnsupportedTokenType;
    return out;
  }
  out.error = base::StrCat("HTTP ", response.status);
  if (code.has_value()) {
    base::StrAppend(&out.error, " (", *code, ")");
  }
  if (response.status == 401 || response.status == 403) {
    out.error.append(": the issuer refused tokenwarden's client credentials");
  }
  if (response.status == 503) {
    out.retry_after_seconds = RetryAfterSeconds(response.Header("Retry-After"));
  }
  return out;
}

}  // namespace tokenwarden::server::upstream
