#include "server/config/claim_headers_config.h"

#include <string>
#include <utility>

#include <absl/strings/match.h>

#include "base/str_cat.h"
#include "server/config/config_reader.h"

namespace tokenwarden::server::config_reader {
namespace {

// IsFramingHeader reports whether `name` is a header the transport writes itself (RFC 9112
// framing and connection management); copying a claim into it could corrupt the response.
bool IsFramingHeader(std::string_view name) {
  for (const char* reserved : {"content-length", "transfer-encoding", "connection", "keep-alive",
                               "upgrade", "trailer", "te", "content-type"}) {
    if (absl::EqualsIgnoreCase(base::ToAbsl(name), reserved)) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status ReadClaimHeaders(element value, std::string_view path, std::vector<ClaimHeader>& out) {
  out.clear();
  return VisitObject(value, path, [&](std::string_view claim, element v, const std::string&) {
    // A claim name is arbitrary text: quote it in the path unless it reads plainly.
    const std::string field = IsHttpToken(claim) && claim.find('.') == std::string_view::npos
                                  ? FieldPath(path, claim)
                                  : base::StrCat(path, "[", Quote(claim), "]");
    ClaimHeader entry{std::string(claim), ""};
    absl::Status s = ReadString(v, field, entry.header);
    if (s.ok() && claim.empty()) {
      s = Invalid(path, "claim names must be non-empty");
    } else if (s.ok() && !IsHttpToken(entry.header)) {
      s = Invalid(field, "must be an HTTP header name (an RFC 9110 token)");
    } else if (s.ok() && IsFramingHeader(entry.header)) {
      s = Invalid(field, base::StrCat(Quote(entry.header), " is set by the server"));
    }
    for (size_t i = 0; s.ok() && i < out.size(); ++i) {
      if (absl::EqualsIgnoreCase(base::ToAbsl(out[i].header), entry.header)) {
        s = Invalid(field, base::StrCat("header ", Quote(entry.header),
                                        " is already used for claim ", Quote(out[i].claim)));
      }
    }
    out.push_back(std::move(entry));
    return s;
  });
}

}  // namespace tokenwarden::server::config_reader
