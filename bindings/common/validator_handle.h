// File: bindings/common/validator_handle.h
// -----------------------------------------------------------------------------
// ValidatorHandle is what the Python and Node bindings hold: one core Validator built from
// the options a binding user passes (key text, issuer, audiences, ...), plus a pool of
// per-thread scratches, so that any host thread may call Validate without owning one. It adds
// no validation rule of its own: every verdict is the core's.
//
//   absl::StatusOr<std::unique_ptr<ValidatorHandle>> h = ValidatorHandle::Create(options);
//   ValidatorHandle::Call call(**h);    // a synchronous call reads the result in place
//   call.Run(token, now);               // any thread; call.verdict().payload_json on success
//   ValidatorHandle::Outcome out;       // a result that outlives the call (async work): copies
//   (*h)->Validate(token, now, out);
#ifndef TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_
#define TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_

#include <atomic>
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
#include "core/possession.h"
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
  // check_binding judges every token's cnf binding (core/possession.h) against what the call
  // presents: a DPoP- or certificate-bound token without its proof is then refused
  // (proof_of_possession_required). Without it, a call judges the binding only when it
  // presents a proof's key or a certificate, and a bound token otherwise passes as a bearer
  // token (as PyJWT and jose, which know no binding, let it).
  bool check_binding = false;
  // dpop_required: the resource takes DPoP-bound tokens only (implies check_binding).
  bool dpop_required = false;
};

// Presented is what one request showed for a sender-constrained token: the RFC 7638
// thumbprint of its verified DPoP proof's key (DpopProof::jkt) and the x5t#S256 of its client
// certificate (CertificateThumbprint), each empty when absent. Views; they must outlive the
// call.
struct Presented {
  std::string_view dpop_jkt;
  std::string_view certificate_thumbprint;
  bool empty() const { return dpop_jkt.empty() && certificate_thumbprint.empty(); }
};

// LoadKeys reads key text: a JWK Set when it is a JSON object with a "keys" member, otherwise
// one JWK or a PEM key (KeySet::FromKeyFile; a single key ignores the token's kid).
absl::StatusOr<std::shared_ptr<const KeySet>> LoadKeys(std::string_view text);

// Verdict is one validation's result as views, into an Outcome or into a Call's scratch:
// what a binding turns into its return value or its exception.
struct Verdict {
  Error error = Error::kOk;
  std::string_view header_json;
  // payload_json is set on success, and on failures after a good signature. Those include a
  // payload the core refused (not JSON, a BOM, invalid UTF-8): a binding that attaches it to
  // its error must expect it not to parse.
  std::string_view payload_json;
  std::string_view detail;  // static storage
  // missing_claim names the absent claim of a kMissingClaim failure ("exp", a required
  // claim, "nonce", ...), or is empty.
  std::string_view missing_claim;
};

class ValidatorHandle {
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

 public:
  // Outcome is one Validate's result, copied out of the scratch: it stays valid until it is
  // destroyed or reused, on any thread (a binding's asynchronous work keeps it).
  // Its fields mean what Verdict's do.
  struct Outcome {
    Error error = Error::kOk;
    bool cache_hit = false;
    std::string header_json;
    std::string payload_json;
    std::string_view detail;  // static storage
    std::string missing_claim;

    Verdict verdict() const { return {error, header_json, payload_json, detail, missing_claim}; }
  };

  // Call is one synchronous validation read in place: it leases a scratch for its lifetime
  // (or uses the caller's own, from NewScratch), so the views of verdict() and result() point
  // into that scratch and nothing is copied. Make one per validation, on the stack. Run may
  // happen on another thread than the one that made the Call (Python releases its lock
  // around it), never concurrently with a read.
  class Call {
   public:
    explicit Call(const ValidatorHandle& handle)
        : handle_(handle), lease_(std::in_place, handle), scratch_(lease_->scratch()) {}
    Call(const ValidatorHandle& handle, ValidatorScratch& own) : handle_(handle), scratch_(own) {}
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    // Run judges `token` at `now` (as Validate) with what the request `presented`; verdict()
    // says how. `token` must outlive the reads of verdict().
    void Run(std::string_view token, double now, const Presented& presented = {});
    Verdict verdict() const;
    const ValidationResult& result() const { return result_; }

   private:
    const ValidatorHandle& handle_;
    std::optional<Lease> lease_;
    ValidatorScratch& scratch_;
    ValidationResult result_;
    Error error_ = Error::kOk;
    std::string missing_claim_;  // set on kMissingClaim only
  };

  static absl::StatusOr<std::unique_ptr<ValidatorHandle>> Create(const HandleOptions& options);

  // Validate judges `token` at `now` (Unix seconds; pass the fraction, e.g. UnixNowFractional:
  // PyJWT and jose compare against the fractional time) with what the request `presented`
  // (see HandleOptions::check_binding) into `out`, a copy. Thread-safe.
  void Validate(std::string_view token, double now, Outcome& out,
                const Presented& presented = {}) const;
  // NewScratch makes a scratch for a caller that keeps one of its own, used by one thread at
  // a time (a JS object's synchronous calls): its Calls skip the pool's lock. It must be
  // destroyed before this handle.
  std::unique_ptr<ValidatorScratch> NewScratch() const {
    return std::make_unique<ValidatorScratch>(*validator_);
  }
  // MayVerifyPublicKey says whether a validation may cost a public-key signature check, i.e.
  // whether the effective allow-list (the policy's, else every algorithm of the current keys)
  // holds an algorithm other than HMAC. A binding holding an interpreter lock releases it
  // around a validation only then: an HMAC validation costs about as much as the release.
  bool MayVerifyPublicKey() const { return may_verify_public_key_.load(std::memory_order_relaxed); }
  // UpdateKeys replaces the key set (a JWK Set rotation); in-flight validations finish on the
  // old one and cached verdicts of the old one stop serving. Thread-safe.
  absl::Status UpdateKeys(std::string_view keys_text);
  // Revoke puts `token` on this handle's denylist until its exp (plus leeway). False when its
  // signature does not verify under the current keys (nothing to revoke). Thread-safe.
  absl::StatusOr<bool> Revoke(std::string_view token, int64_t now);

  const Policy& policy() const { return validator_->policy(); }

 private:
  explicit ValidatorHandle(std::unique_ptr<Validator> validator);

  // NoteKeys sets may_verify_public_key_ for the key set `keys` about to serve.
  void NoteKeys(const KeySet& keys);

  // PossessionFor returns the requirement for one call's `presented`, or nullptr when the
  // binding is not judged (check_binding off and nothing presented).
  const Possession* PossessionFor(const Presented& presented, Possession& storage) const;

  std::unique_ptr<Validator> validator_;
  bool check_binding_ = false;
  bool dpop_required_ = false;
  std::atomic<bool> may_verify_public_key_{true};
  mutable base::Mutex pool_mu_;
  mutable std::vector<std::unique_ptr<ValidatorScratch>> pool_ ABSL_GUARDED_BY(pool_mu_);
};

}  // namespace tokenwarden::bindings

#endif  // TOKENWARDEN_BINDINGS_COMMON_VALIDATOR_HANDLE_H_
