// File: core/verifier.h
// -----------------------------------------------------------------------------
// Verifier checks compact JWS tokens (RFC 7515) carrying JWTs (RFC 7519) against one Policy
// and KeySet: strict base64url and JSON, key selection by kid and key fit, the signature
// (BoringSSL), then the claim policy. The result is kOk with typed views of the header and
// claims, or exactly one stable Error code.
//
// Example:
//
//   absl::StatusOr<std::shared_ptr<const tokenwarden::KeySet>> keys =
//       tokenwarden::KeySet::FromJwks(jwks_json);
//   if (!keys.ok()) return keys.status();
//   tokenwarden::Policy policy;
//   policy.issuer = "https://issuer.example";
//   policy.audiences = {"my-api"};
//   absl::StatusOr<tokenwarden::Verifier> verifier =
//       tokenwarden::Verifier::Create(std::move(policy), *keys);
//   if (!verifier.ok()) return verifier.status();
//
//   tokenwarden::VerifyScratch scratch;  // one per thread, reused
//   tokenwarden::VerifiedToken token;
//   tokenwarden::Error err = verifier->Verify(jwt, now_unix_seconds, scratch, token);
//   if (err != tokenwarden::Error::kOk) {
//     log(tokenwarden::ErrorCode(err), token.detail);  // e.g. "expired"
//   } else {
//     use(token.claims.sub, token.payload_json);
//   }
#ifndef TOKENWARDEN_CORE_VERIFIER_H_
#define TOKENWARDEN_CORE_VERIFIER_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include <absl/status/statusor.h>

#include "core/claims.h"
#include "core/error.h"
#include "core/header.h"
#include "core/key.h"
#include "core/key_set.h"
#include "core/parsed_token.h"
#include "core/policy.h"
#include "core/trace.h"

namespace tokenwarden {

// VerifyScratch is one thread's reusable working memory: the ParsedToken (simdjson parser,
// decoded segments, claims storage). Never share one between threads; keep one per thread so
// a warm Verify does not allocate.
// Thread-safety: none; one thread at a time.
class VerifyScratch {
 public:
  VerifyScratch() = default;
  VerifyScratch(const VerifyScratch&) = delete;
  VerifyScratch& operator=(const VerifyScratch&) = delete;
  ParsedToken& parsed() { return parsed_; }
  uint64_t payload_reads() const { return parsed_.payload_reads(); }

 private:
  ParsedToken parsed_;
};

// Details a caller may show a client, because they tell it what to do about the token (a
// server's error_description): the token is for a Microsoft API, or was signed by a key of
// another issuer.
inline constexpr std::string_view kDetailMicrosoftApiToken =
    "its header has a nonce: a token for Microsoft Graph or another Microsoft API, which only "
    "that API can validate";
inline constexpr std::string_view kDetailKeyOfAnotherIssuer =
    "the signing key's issuer member names another issuer than the token's iss";

// VerifiedToken is what Verify learned about a token. Views point into the token and the
// VerifyScratch, which must both outlive it and not be reused meanwhile. On a rejection the
// fields parsed before the failing step are still set (for reports); `detail` says which rule
// failed.
struct VerifiedToken {
  // header_json and payload_json are the decoded JSON texts, exactly as in the token.
  std::string_view header_json;
  std::string_view payload_json;
  // signing_input is `header.payload` of the token, the bytes the signature covers.
  std::string_view signing_input;
  Header header;
  Claims claims;
  // key is the key that verified the signature (owned by the Verifier's KeySet).
  const Key* key = nullptr;
  // header_parsed / claims_parsed say whether `header` / `claims` are filled.
  bool header_parsed = false;
  bool claims_parsed = false;
  // detail is a static sentence naming the failed rule, or empty.
  std::string_view detail;
};

// Verifier checks compact JWS tokens against one Policy and KeySet.
// Thread-safety: Verify is const and may run concurrently; each thread brings its own scratch.
class Verifier {
 public:
  // Create checks `policy` (ValidatePolicy). An empty allow-list becomes every algorithm
  // `keys` supports. An allow-list no key can serve is not an error here (every token is then
  // algorithm_not_allowed or key_not_found, which says more than a refusal to start); servers
  // warn about it at configuration time. Errors are configuration errors with a message.
  static absl::StatusOr<Verifier> Create(Policy policy, std::shared_ptr<const KeySet> keys);

  // Verify checks `token` at `now` (Unix seconds; a fraction is kept, as NumericDates may have
  // one). On kOk, `out` holds views into `token` and `scratch`; both must outlive `out`. With a
  // `trace`, every check is reported (see Trace). Does not allocate once `scratch` is warm.
  Error Verify(std::string_view token, double now, VerifyScratch& scratch, VerifiedToken& out,
               Trace* trace = nullptr) const;
  // Verify checks a token already parsed (by IssuerSet's routing, say) without parsing it
  // again; `out` then views into `parsed`, which must outlive it.
  Error Verify(const ParsedToken& parsed, double now, VerifiedToken& out,
               Trace* trace = nullptr) const;

  const Policy& policy() const { return policy_; }
  const KeySet& keys() const { return *keys_; }
  // key_set shares the keys (another Verifier over them: a logout token's, say).
  const std::shared_ptr<const KeySet>& key_set() const { return keys_; }

 private:
  Verifier(Policy policy, std::shared_ptr<const KeySet> keys);

  Policy policy_;
  std::shared_ptr<const KeySet> keys_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_VERIFIER_H_
