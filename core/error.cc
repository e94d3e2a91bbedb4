#include "core/error.h"

#include <array>

namespace tokenwarden {
namespace {

struct ErrorInfo {
  std::string_view code;
  std::string_view summary;
};

// One table feeds the CLI, the server, the bindings and the metrics. Order = enum order.
constexpr std::array<ErrorInfo, kNumErrors> kErrors = {{
    {"ok", "the token is valid"},
    {"malformed", "the token is not a well-formed compact JWS carrying a JWT"},
    {"token_too_large", "the token is larger than the configured maximum"},
    {"unsupported_algorithm", "the token's algorithm is not supported"},
    {"algorithm_not_allowed", "the token's algorithm is not in the allowed list"},
    {"unsupported_critical_header",
     "the token lists a critical header parameter we do not "
     "understand"},
    {"key_not_found", "no key fits the token's kid and algorithm"},
    {"invalid_signature", "the signature does not verify"},
    {"expired", "the token has expired"},
    {"not_yet_valid", "the token is not valid yet"},
    {"invalid_issuer", "the token's issuer is not the expected one"},
    {"invalid_audience", "the token is not meant for this audience"},
    {"invalid_type", "the token is not the expected kind (its typ header or a type claim)"},
    {"invalid_nonce", "the token's nonce does not match"},
    {"invalid_at_hash", "the token's at_hash does not match the access token"},
    {"missing_claim", "a required claim is missing"},
    {"insufficient_scope", "the token does not grant a required scope"},
    {"too_old", "the authentication is older than the allowed maximum age"},
    {"revoked", "the token has been revoked"},
    {"invalid_dpop_proof", "the DPoP proof is not valid for this request"},
    {"dpop_proof_replayed", "the DPoP proof has been used before"},
    {"use_dpop_nonce", "the DPoP proof must carry the nonce the server provides"},
    {"dpop_key_mismatch", "the DPoP proof's key is not the key the token is bound to"},
    {"proof_of_possession_required",
     "the token is bound to a key or certificate: present it with its proof"},
    {"certificate_mismatch", "the client certificate is not the one the token is bound to"},
}};

}  // namespace

std::string_view ErrorCode(Error error) {
  const auto i = static_cast<size_t>(error);
  return i < kErrors.size() ? kErrors[i].code : std::string_view("unknown");
}

std::string_view ErrorSummary(Error error) {
  const auto i = static_cast<size_t>(error);
  return i < kErrors.size() ? kErrors[i].summary : std::string_view("unknown error");
}

std::optional<Error> ParseErrorCode(std::string_view code) {
  for (size_t i = 0; i < kErrors.size(); ++i) {
    if (kErrors[i].code == code) {
      return static_cast<Error>(i);
    }
  }
  return std::nullopt;
}

}  // namespace tokenwarden
