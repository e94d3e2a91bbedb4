// File: server/http/accept.h
// -----------------------------------------------------------------------------
// Proactive content negotiation (RFC 9110 §12.5.1): how much a request's Accept fields want a
// media type. Only /introspect negotiates (RFC 9701's JWT answers), so this reads no more
// than that needs: media ranges and their weights.
#ifndef TOKENWARDEN_SERVER_HTTP_ACCEPT_H_
#define TOKENWARDEN_SERVER_HTTP_ACCEPT_H_

#include <optional>
#include <string_view>

#include "server/http/message.h"

namespace tokenwarden::server::http {

// AcceptWeight is the weight a request's Accept fields give one media type.
struct AcceptWeight {
  // weight in thousandths (RFC 9110 §12.4.2 allows three decimals): 0 is "not acceptable".
  int weight = 1000;
  // named: a range spelling the media type itself decided the weight, not `type/*` or `*/*`.
  bool named = false;

  bool operator==(const AcceptWeight&) const = default;
};

// AcceptWeightOf returns the weight the request's Accept fields (every one, in order, as one
// list) give `media_type` (lower case, e.g. "application/json"): that of the most specific
// range matching it — `type/subtype`, then `type/*`, then `*/*` (§12.5.1; a range's
// parameters other than the weight do not take part in matching). No Accept field: weight
// 1000, not named (anything goes). No matching range: weight 0. nullopt when an Accept field
// is malformed: a range that is not token/token, a weight outside the grammar, a parameter
// that is not token=token or a quoted string, an unterminated quote.
std::optional<AcceptWeight> AcceptWeightOf(const Request& request, std::string_view media_type);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_ACCEPT_H_
