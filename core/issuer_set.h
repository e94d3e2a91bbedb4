// File: core/issuer_set.h
// -----------------------------------------------------------------------------
// IssuerSet validates tokens of several trusted issuers, each with its own Validator (policy,
// keys, cache). It chooses the issuer from the token's own `iss`, read by the one parse the
// token gets (ParsedToken), and hands that parse to the issuer's Validator, which verifies the
// signature with that issuer's keys only and then checks `iss` again as part of its policy:
// one issuer's keys never verify another issuer's token (RFC 8725 §3.8). With a single issuer
// there is nothing to choose, so nothing is parsed before the cache lookup.
//
//   absl::StatusOr<tokenwarden::IssuerSet> set = tokenwarden::IssuerSet::Create(entries);
//   tokenwarden::IssuerSetScratch scratch(*set);   // per thread
//   tokenwarden::IssuerSet::Routing r = set->Route(jwt, scratch);
//   if (r.issuer < 0) reject("unknown issuer");
//   tokenwarden::Error err = set->Validate(r, now, scratch, result, requirements);
#ifndef TOKENWARDEN_CORE_ISSUER_SET_H_
#define TOKENWARDEN_CORE_ISSUER_SET_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "core/error.h"
#include "core/parsed_token.h"
#include "core/policy.h"
#include "core/validator.h"

namespace tokenwarden {

// IssuerEntry is one trusted issuer: its identifier (the exact `iss`) and its Validator.
struct IssuerEntry {
  std::string issuer;
  std::shared_ptr<Validator> validator;
};

class IssuerSet;

// IssuerSetScratch is one thread's state for an IssuerSet: the routing parse and a
// ValidatorScratch per issuer. Must not outlive the set's Validators.
// Thread-safety: none; one thread at a time.
class IssuerSetScratch {
 public:
  explicit IssuerSetScratch(const IssuerSet& set);
  ValidatorScratch& scratch(int issuer) { return *scratches_[static_cast<size_t>(issuer)]; }
  // payload_reads counts every payload parsed through this scratch (routing and validation).
  uint64_t payload_reads() const;

 private:
  friend class IssuerSet;
  ParsedToken parsed_;
  std::vector<std::unique_ptr<ValidatorScratch>> scratches_;
};

class IssuerSet {
 public:
  // Create checks that every entry has a validator and a distinct, non-empty identifier.
  static absl::StatusOr<IssuerSet> Create(std::vector<IssuerEntry> entries);

  // Routing is the outcome of Route: the issuer index (-1: none of ours), and the parse when
  // one was needed (null with a single issuer), which Validate reuses.
  struct Routing {
    std::string_view token;
    int issuer = -1;
    const ParsedToken* parsed = nullptr;
    // error says why no issuer was chosen (issuer < 0): kTokenTooLarge (over every issuer's
    // size limit, never parsed), kMalformed (the payload cannot be read, so it names no
    // issuer; `detail` says why) or kInvalidIssuer (`iss` absent or not one of ours).
    Error error = Error::kOk;
    std::string_view detail;  // static storage or the parse's
  };
  // Route chooses the issuer of `token`: the only one, or the one the unverified `iss` names
  // (IssuerMatches). Nothing is trusted yet; the Validator decides. `parse` parses
  // even with a single issuer (for a caller that needs the claims, e.g. a revocation).
  Routing Route(std::string_view token, IssuerSetScratch& scratch, bool parse = false) const;
  // ByIss is `routing`, which must hold a parse, chosen by the token's own `iss` even with a
  // single issuer: the issuer it names, or -1 with the error and detail Route gives with
  // several issuers. For a caller that must not let one issuer judge another's token on the
  // single-issuer shortcut (an issuer judged by its introspection endpoint).
  Routing ByIss(const Routing& routing) const;
  // Disowns reports whether a token that Validate rejected turns out to name no issuer of this
  // set, so that the caller answers as Route's kInvalidIssuer: a single issuer routes without
  // reading the token, and its Validator's rejection may have any cause, but a token whose
  // unverified `iss` (read by the validation's parse) is absent or another issuer's is
  // "issuer not trusted" whatever else is wrong with it, with one issuer as with several.
  // False on a cache hit (its `iss` was vouched for) and when the payload was unreadable.
  bool Disowns(const Routing& routing, const ValidationResult& result) const;
  // Validate validates a routed token with its issuer's Validator (routing.issuer >= 0).
  Error Validate(const Routing& routing, int64_t now, IssuerSetScratch& scratch,
                 ValidationResult& out, const Requirements& requirements = {}) const;
  // RevocationFor is Validator::RevocationFor on a routed token: its revocation when its
  // signature verifies under its issuer's keys, with the parse's claims then vouched for.
  std::optional<Validator::Revocation> RevocationFor(const Routing& routing, int64_t now,
                                                     IssuerSetScratch& scratch) const;

  size_t size() const { return entries_.size(); }
  const IssuerEntry& entry(int issuer) const { return entries_[static_cast<size_t>(issuer)]; }
  // Find returns the index of the issuer `iss` names (IssuerMatches: its identifier, an
  // alias, or its tenant template filled from `claims`), or -1.
  int Find(std::string_view iss, const Claims& claims) const;

 private:
  explicit IssuerSet(std::vector<IssuerEntry> entries);
  std::vector<IssuerEntry> entries_;
  size_t max_token_bytes_ = 0;  // the largest size limit of any issuer: the routing parse's
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_ISSUER_SET_H_
