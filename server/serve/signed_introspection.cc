#include "server/serve/signed_introspection.h"

#include <sys/stat.h>

#include <algorithm>

#include "base/ascii.h"
#include "base/json_escape.h"
#include "base/str_cat.h"
#include "server/http/accept.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {

std::optional<IntrospectionFormat> ChooseIntrospectionFormat(const http::Request& request,
                                                             const ClientConfig* client,
                                                             http::Response& response) {
  const std::optional<http::AcceptWeight> jwt =
      http::AcceptWeightOf(request, kIntrospectionJwtType);
  const std::optional<http::AcceptWeight> json = http::AcceptWeightOf(request, "application/json");
  if (jwt.has_value() && (!jwt->named || jwt->weight == 0)) {
    // RFC 9701 §4: a JWT is asked for by naming its type. Anything else is answered as RFC
    // 7662 always was, even an Accept that admits no JSON (callers never had to send one).
    return IntrospectionFormat::kJson;
  }
  if (!jwt.has_value() || !json.has_value()) {
    // Unreadable fields: when they do not mention the JWT type the caller cannot be asking
    // for it, and gets JSON as before; when they do, guessing the weights is refused.
    bool mentioned = false;
    for (const http::HeaderField& field : request.headers) {
      mentioned = mentioned || (base::EqualsIgnoreCase(field.name, "Accept") &&
                                base::AsciiLowerCopy(field.value).find(kIntrospectionJwtTyp) !=
                                    std::string::npos);
    }
    if (!mentioned) {
      return IntrospectionFormat::kJson;
    }
    SetError(response, 400, "invalid_request", "the Accept header cannot be read");
    return std::nullopt;
  }
  const bool opted_in = client != nullptr && client->introspection_signed_response_alg.has_value();
  if (opted_in && jwt->weight >= json->weight) {
    return IntrospectionFormat::kJwt;
  }
  if (json->weight > 0) {
    return IntrospectionFormat::kJson;
  }
  // RFC 9110 §15.5.7: nothing the caller accepts can be sent. Silently sending unsigned JSON
  // to a caller that only takes signed answers would hand it what it chose to refuse.
  SetError(response, 406, "not_acceptable",
           opted_in ? "no acceptable answer format: ask for application/json or "
                      "application/token-introspection+jwt"
                    : "signed introspection answers (application/token-introspection+jwt) are "
                      "not enabled for this caller; accept application/json");
  return std::nullopt;
}

absl::StatusOr<std::string> SignedIntrospection(const IntrospectionSigningConfig& signing,
                                                std::string_view client_id, int64_t now,
                                                std::string_view answer) {
  std::string claims = "{\"iss\":";
  base::AppendJsonQuoted(signing.issuer, claims);
  claims.append(",\"aud\":");
  base::AppendJsonQuoted(client_id, claims);
  base::StrAppend(&claims, ",\"iat\":", now, ",\"token_introspection\":", answer, "}");
  return signing.signer->Sign(kIntrospectionJwtTyp, claims);
}

// kNobodyOptedIn is a named constant, not a literal at the call: GCC 12 at -O3 misreads the
// inlined copy of a long literal into the vector's new element as out of bounds
// (-Warray-bounds, a known false positive of its std::string).
constexpr std::string_view kNobodyOptedIn =
    "introspection_signing: no client has introspection_signed_response_alg, so nobody can get "
    "a signed answer";

void SigningWarnings(const ServerConfig& config, std::vector<std::string>& warnings) {
  if (!config.introspection_signing.has_value()) {
    return;
  }
  const bool anyone = std::any_of(
      config.clients.begin(), config.clients.end(),
      [](const ClientConfig& c) { return c.introspection_signed_response_alg.has_value(); });
  if (!anyone) {
    warnings.emplace_back(kNobodyOptedIn);
  }
  struct stat st;
  const std::string& file = config.introspection_signing->key_file;
  if (!file.empty() && stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    warnings.push_back(base::StrCat("introspection_signing.key_file: ", file,
                                    " can be read by other users; make it mode 0600 (or 0400)"));
  }
}

}  // namespace tokenwarden::server
