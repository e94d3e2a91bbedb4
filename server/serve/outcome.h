// File: server/serve/outcome.h
// -----------------------------------------------------------------------------
// Outcome is what the server concluded about one token, the `result` label of
// tokenwarden_validations_total and of the access log: one of the core's Error codes, or one
// of the server's own judgements (ServerOutcome), two closed enums side by side.
#ifndef TOKENWARDEN_SERVER_SERVE_OUTCOME_H_
#define TOKENWARDEN_SERVER_SERVE_OUTCOME_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "core/error.h"

namespace tokenwarden::server {

// ServerOutcome are the judgements only the server makes. Append only: the metrics keep one
// counter per value.
enum class ServerOutcome : uint8_t {
  kUnknownIssuer,       // "unknown_issuer": no trusted issuer has this `iss`
  kOutsideCallerScope,  // "outside_caller_scope": valid, but not the caller's to see
  kInactive,            // "inactive": the issuer's introspection endpoint said so
  kIssuerUnavailable,   // "issuer_unavailable": no usable keys, or the endpoint failed
  // The token's kid is not in its issuer's published keys, and no refetch has settled it yet:
  kKeyRefetchPending,  // "key_refetch_pending": the refetch is due later (cooldown) or is slow
  kKeyRefetchFailed,   // "key_refetch_failed": the refetch failed (the issuer is unreachable)
  // "replay_check_unavailable": a DPoP proof passed, but whether it was spent before cannot
  // be told now (the replay cache is full of live proofs, or Redis did not answer).
  kReplayCheckUnavailable,
};
inline constexpr size_t kNumServerOutcomes = 7;

class Outcome {
 public:
  // kCount is the number of distinct outcomes (metrics keep one counter each).
  static constexpr size_t kCount = static_cast<size_t>(kNumErrors) + kNumServerOutcomes;

  constexpr Outcome(Error error) : value_(error) {}              // NOLINT: implicit by design
  constexpr Outcome(ServerOutcome outcome) : value_(outcome) {}  // NOLINT: implicit by design

  // Name is the label, e.g. "invalid_signature" or "unknown_issuer".
  std::string_view Name() const;
  // Index is a dense number in [0, kCount) for counter arrays; FromIndex is its inverse.
  size_t Index() const;
  static Outcome FromIndex(size_t index);

  bool operator==(const Outcome& other) const = default;

 private:
  std::variant<Error, ServerOutcome> value_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_OUTCOME_H_
