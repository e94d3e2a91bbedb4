#include "server/serve/outcome.h"

namespace tokenwarden::server {

std::string_view Outcome::Name() const {
  if (const Error* error = std::get_if<Error>(&value_)) {
    return ErrorCode(*error);
  }
  switch (std::get<ServerOutcome>(value_)) {
    case ServerOutcome::kUnknownIssuer:
      return "unknown_issuer";
    case ServerOutcome::kOutsideCallerScope:
      return "outside_caller_scope";
    case ServerOutcome::kInactive:
      return "inactive";
    case ServerOutcome::kIssuerUnavailable:
      return "issuer_unavailable";
    case ServerOutcome::kKeyRefetchPending:
      return "key_refetch_pending";
    case ServerOutcome::kKeyRefetchFailed:
      return "key_refetch_failed";
    case ServerOutcome::kReplayCheckUnavailable:
      return "replay_check_unavailable";
  }
  return "unknown";
}

size_t Outcome::Index() const {
  if (const Error* error = std::get_if<Error>(&value_)) {
    return static_cast<size_t>(*error);
  }
  return static_cast<size_t>(kNumErrors) + static_cast<size_t>(std::get<ServerOutcome>(value_));
}

Outcome Outcome::FromIndex(size_t index) {
  if (index < static_cast<size_t>(kNumErrors)) {
    return Outcome(static_cast<Error>(index));
  }
  return Outcome(static_cast<ServerOutcome>(index - static_cast<size_t>(kNumErrors)));
}

}  // namespace tokenwarden::server
