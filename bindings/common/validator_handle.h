// File: bindings/common/validator_handle.h
// -----------------------------------------------------------------------------
// ValidatorHandle is what the Python and Node bindings hold: one core Validator built from
// the options a binding user passes (key text, issuer, audiences, ...), plus a pool of
// per-thread scratches, so that any host thread may call Validate without owning one. It adds
// no validation rule of its own: every verdict is the core's.
//
//   absl::StatusOr<std::unique_ptr<ValidatorHandle>> h = ValidatorHandle::Create(options);
//   ValidatorHandle::Outcome out;
//   (*h)->Validate(token, now, out);  // any thread; out.payload_json on success
#ifndef TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_
#define TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/error.h"
#include "core/key_set.h"
#include "core/validator.h"

namespace tokenwarden::bindings {

// HandleOptions are a binding's constructor arguments, already converted to C++ types.
struct HandleOptions {
  // keys is a JWK Set (an object with "keys"), one JWK object, or a PEM public key.
  std::string keys;
  std::optional<std::string> issuer;
  std::vector<std::string> audiences;
  // algorithms: names such as "RS256"; empty allows every algorithm the keys support.
  std::vector<std::string> algorithms;
  // leeway_seconds keeps its fraction (PyJWT's leeway=1.5, jose's clockTolerance).
  double leeway_seconds = 0;
  std::optional<std::string> type;
  std::vector<std::string> required_claims;
  std::vector<std::string> required_scopes;
  bool require_exp = true;
  bool check_exp = true;
  bool check_nbf = true;
  bool check_iat = true;
  size_t max_token_bytes = kDefaultMaxTokenBytes;
  // cache_entries: 0 turns the verified-token cache off.
  size_t cache_entries = 1 << 14;
};

// LoadKeys reads key text: a JWK Set when it is a JSON object with a "keys" member, otherwise
// one JWK or a PEM key (KeySet::FromKeyFile; a single key ignores the token's kid).
absl::StatusOr<std::shared_ptr<const KeySet>> LoadKeys(std::string_view text);

class ValidatorHandle {
 public:
  // Outcome is one Validate's result. The views point into the handle's scratch copy and
  // stay valid until the Outcome is destroyed or reused.
  struct Outcome {
    Error error = Error::kOk;
    bool cache_hit = false;
    std::string header_json;
    // payload_json is set on success, and on failures after a good signature. Those include a
    // payload the core refused (not JSON, a BOM, invalid UTF-8): a binding that attaches it to
    // its error must expect it not to parse.
    std::string payload_json;
    std::string_view detail;  // static storage
    // missing_claim names the absent claim of a kMissingClaim failure ("exp", a required
    // claim, "nonce", ...), or is empty.
    std::string missing_claim;
  };

  static absl::StatusOr<std::unique_ptr<ValidatorHandle>> Create(const HandleOptions& options);

  // Validate judges `token` at `now` (Unix seconds; pass the fraction, e.g. UnixNowFractional:
  // PyJWT and jose compare against the fractional time). Thread-safe.
  void Validate(std::string_view token, double now, Outcome& out) const;
  // UpdateKeys replaces the key set (a JWK Set rotation); in-flight validations finish on the
  // old one and cached verdicts of the old one stop serving. Thread-safe.
  absl::Status UpdateKeys(std::string_view keys_text);
  // Revoke puts `token` on this handle's denylist until its exp (plus leeway). False when its
  // signature does not verify under the current keys (nothing to revoke). Thread-safe.
  absl::StatusOr<bool> Revoke(std::string_view token, int64_t now);

  const Policy& policy() const { return validator_->policy(); }

 private:
  explicit ValidatorHandle(std::unique_ptr<Validator> validator);

  // Lease borrows a scratch for one call and gives it back; a new one is made when every
  // scratch is in use (as many as threads ever validated at once).
  class Lease {
   public:
    explicit Lease(const ValidatorHandle& handle);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ValidatorScratch& scratch() { return *scratch_; }

   private:
    const ValidatorHandle& handle_;
    std::unique_ptr<ValidatorScratch> scratch_;
  };

  std::unique_ptr<Validator> validator_;
  mutable base::Mutex pool_mu_;
  mutable std::vector<std::unique_ptr<ValidatorScratch>> pool_ ABSL_GUARDED_BY(pool_mu_);
};

}  // namespace tokenwarden::bindings

#endif  // TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_
