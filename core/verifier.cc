#include "core/verifier.h"

#include <array>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <simdjson.h>

#include "base/str_cat.h"
#include "core/issuer_match.h"
#include "core/signature.h"

namespace tokenwarden {
namespace {

// Pipeline records stage outcomes like policy's Checker: the first failure wins; with a
// trace, stages after the header keep running so a report can show everything.
class Pipeline {
 public:
  Pipeline(Trace* trace, VerifiedToken& out) : trace_(trace), out_(out) {}

  // Fail records a failed stage and returns true when verification must stop now.
  bool Fail(std::string_view stage, Error error, std::string_view why, bool can_continue) {
    if (trace_ != nullptr) {
      trace_->OnCheck(stage, true, error, why);
    }
    if (first_ == Error::kOk) {
      first_ = error;
      out_.detail = why;
    }
    return trace_ == nullptr || !can_continue;
  }

  void Pass(std::string_view stage, std::string_view why) {
    if (trace_ != nullptr) {
      trace_->OnCheck(stage, true, Error::kOk, why);
    }
  }

  Error first() const { return first_; }
  Trace* trace() const { return trace_; }

 private:
  Trace* trace_;
  VerifiedToken& out_;
  Error first_ = Error::kOk;
};

}  // namespace

Verifier::Verifier(Policy policy, std::shared_ptr<const KeySet> keys)
    : policy_(std::move(policy)), keys_(std::move(keys)) {}

absl::StatusOr<Verifier> Verifier::Create(Policy policy, std::shared_ptr<const KeySet> keys) {
  if (keys == nullptr) {
    return absl::InvalidArgumentError("verifier needs a key set");
  }
  absl::Status status = ValidatePolicy(policy);
  if (!status.ok()) {
    return status;
  }
  if (policy.algorithms.empty()) {
    policy.algorithms = keys->algorithms();
  }
  return Verifier(std::move(policy), std::move(keys));
}

Error Verifier::Verify(std::string_view token, double now, VerifyScratch& scratch,
                       VerifiedToken& out, Trace* trace) const {
  scratch.parsed().Parse(token, policy_.max_token_bytes);
  return Verify(scratch.parsed(), now, out, trace);
}

namespace {

// VerifyEarly replays the parse's stages before the signature: size, structure and the
// header, each fatal. false when verification stops.
bool VerifyEarly(const ParsedToken& parsed, size_t max_bytes, Pipeline& p, VerifiedToken& out) {
  if (parsed.token().size() > max_bytes) {
    p.Fail("size", Error::kTokenTooLarge, "the token exceeds the size limit", false);
    return false;
  }
  static constexpr std::string_view kStages[] = {"size", "structure", "header"};
  static constexpr std::string_view kPasses[] = {"within the size limit",
                                                 "three canonical base64url segments",
                                                 "a JSON object with a supported alg"};
  out.signing_input = parsed.signing_input();
  out.header_json = parsed.header_json();
  for (size_t i = 0; i < 3; ++i) {
    if (parsed.early_stage() == kStages[i]) {
      p.Fail(kStages[i], parsed.early_error(), parsed.early_detail(), false);
      return false;
    }
    p.Pass(kStages[i], kPasses[i]);
  }
  out.header = parsed.header();
  out.header_parsed = true;
  return true;
}

// VerifySignatureStage applies alg, crit, key selection and the signature; false when
// verification stops.
bool VerifySignatureStage(const Policy& policy, const KeySet& keys, const ParsedToken& parsed,
                          Pipeline& p, VerifiedToken& out) {
  if (!policy.algorithms.Contains(out.header.alg)) {
    if (p.Fail("algorithm", Error::kAlgorithmNotAllowed, "alg is not in the allow-list", true)) {
      return false;
    }
  } else {
    p.Pass("algorithm", "alg is allowed");
  }
  if (out.header.has_crit) {
    if (p.Fail("crit", Error::kUnsupportedCriticalHeader,
               "crit lists an extension we do not understand (RFC 7515 §4.1.11)", true)) {
      return false;
    }
  }
  std::array<const Key*, KeySet::kMaxCandidates> candidates;
  const size_t num_candidates = keys.Select(out.header.alg, out.header.kid, candidates);
  if (num_candidates == 0) {
    return !p.Fail("key", Error::kKeyNotFound, "no key fits the token's kid and alg", true);
  }
  p.Pass("key", "found a key that fits kid and alg");
  for (size_t i = 0; i < num_candidates && out.key == nullptr; ++i) {
    if (VerifySignature(out.header.alg, *candidates[i], parsed.signing_input(),
                        parsed.signature()) == Error::kOk) {
      out.key = candidates[i];
    }
  }
  if (out.key == nullptr) {
    // Microsoft signs Graph tokens over a hashed form of the header's nonce (internal and
    // undocumented), so no standard verifier accepts them: say so rather than just "bad".
    const bool microsoft_api = parsed.header_json().find("\"nonce\":") != std::string_view::npos;
    return !p.Fail("signature", Error::kInvalidSignature,
                   microsoft_api ? kDetailMicrosoftApiToken : "the signature does not verify",
                   true);
  }
  p.Pass("signature", "verified");
  return true;
}

}  // namespace

Error Verifier::Verify(const ParsedToken& parsed, double now, VerifiedToken& out,
                       Trace* trace) const {
  out = VerifiedToken{};
  Pipeline p(trace, out);
  if (!VerifyEarly(parsed, policy_.max_token_bytes, p, out) ||
      !VerifySignatureStage(policy_, *keys_, parsed, p, out)) {
    return p.first();
  }
  out.payload_json = parsed.payload_json();
  if (!parsed.claims_parsed()) {
    p.Fail("claims", Error::kMalformed, parsed.claims_detail(), false);
    return p.first();
  }
  out.claims = parsed.claims();
  out.claims_parsed = true;
  p.Pass("claims", "a JSON object with well-typed registered claims");
  if (out.key != nullptr && out.key->issuer().has_value() &&
      !KeyIssuerMatches(*out.key->issuer(), policy_, out.claims.iss.value_or(""), out.claims)) {
    p.Fail("key_issuer", Error::kInvalidIssuer, kDetailKeyOfAnotherIssuer, false);
    return p.first();
  }

  std::string_view claim_detail;
  const Error policy_error = CheckClaims(policy_, out.header, out.claims, now, trace, claim_detail);
  if (p.first() != Error::kOk) {
    return p.first();
  }
  if (policy_error != Error::kOk) {
    out.detail = claim_detail;
  }
  return policy_error;
}

}  // namespace tokenwarden
