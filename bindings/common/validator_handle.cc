#include "bindings/common/validator_handle.h"

#include <algorithm>
#include <utility>

#include <simdjson.h>

#include "core/algorithm.h"
#include "core/claims.h"
#include "core/policy.h"

namespace tokenwarden::bindings {
namespace {

// IsJwkSet says whether `text` is a JSON object with a top-level "keys" member. Anything
// else (one JWK, PEM, or text that is not JSON) goes to the single-key loader, whose errors
// then say what is wrong.
bool IsJwkSet(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {
    return false;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::dom::element keys;
  return object["keys"].get(keys) == simdjson::SUCCESS;
}

absl::StatusOr<Policy> PolicyOf(const HandleOptions& o) {
  Policy p;
  for (const std::string& name : o.algorithms) {
    std::optional<Algorithm> alg = ParseAlgorithm(name);
    if (!alg.has_value()) {
      return absl::InvalidArgumentError("unsupported algorithm \"" + name + "\"");
    }
    p.algorithms.Add(*alg);
  }
  p.issuer = o.issuer;
  p.audiences = o.audiences;
  p.leeway_seconds = o.leeway_seconds;
  p.type = o.type;
  p.required_claims = o.required_claims;
  p.required_scopes = o.required_scopes;
  p.require_exp = o.require_exp;
  p.check_exp = o.check_exp;
  p.check_nbf = o.check_nbf;
  p.check_iat = o.check_iat;
  p.max_token_bytes = o.max_token_bytes;
  return p;
}

// MissingClaim names the claim a kMissingClaim verdict is about, in CheckClaims' order.
std::string MissingClaim(const Policy& policy, const VerifiedToken& token) {
  if (!token.claims_parsed) {
    return {};
  }
  const Claims& c = token.claims;
  if (policy.require_exp && !c.exp.has_value()) {
    return "exp";
  }
  for (const std::string& name : policy.required_claims) {
    if (!c.Has(name)) {
      return name;
    }
  }
  if (policy.nonce.has_value() && !c.nonce.has_value()) {
    return "nonce";
  }
  if (policy.id_token && !c.azp.has_value()) {
    return "azp";
  }
  if (policy.max_age_seconds.has_value() && !c.auth_time.has_value()) {
    return "auth_time";
  }
  return {};
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KeySet>> LoadKeys(std::string_view text) {
  return IsJwkSet(text) ? KeySet::FromJwks(text) : KeySet::FromKeyFile(text);
}

absl::StatusOr<std::unique_ptr<ValidatorHandle>> ValidatorHandle::Create(
    const HandleOptions& options) {
  absl::StatusOr<Policy> policy = PolicyOf(options);
  if (!policy.ok()) {
    return policy.status();
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = LoadKeys(options.keys);
  if (!keys.ok()) {
    return keys.status();
  }
  ValidatorOptions vo;
  vo.cache = options.cache_entries > 0;
  vo.cache_options.max_entries = options.cache_entries > 0 ? options.cache_entries : 1;
  vo.cache_options.max_bytes = std::max<size_t>(options.cache_entries, 1) * 4096;
  vo.denylist_capacity = 1 << 12;
  absl::StatusOr<std::unique_ptr<Validator>> validator =
      Validator::Create(*std::move(policy), *std::move(keys), std::move(vo));
  if (!validator.ok()) {
    return validator.status();
  }
  std::unique_ptr<ValidatorHandle> handle(new ValidatorHandle(*std::move(validator)));
  handle->check_binding_ = options.check_binding || options.dpop_required;
  handle->dpop_required_ = options.dpop_required;
  handle->NoteKeys(handle->validator_->snapshot()->verifier.keys());
  return handle;
}

ValidatorHandle::ValidatorHandle(std::unique_ptr<Validator> validator)
    : validator_(std::move(validator)) {}

ValidatorHandle::Lease::Lease(const ValidatorHandle& handle) : handle_(handle) {
  {
    base::MutexLock lock(&handle_.pool_mu_);
    if (!handle_.pool_.empty()) {
      scratch_ = std::move(handle_.pool_.back());
      handle_.pool_.pop_back();
    }
  }
  if (scratch_ == nullptr) {
    scratch_ = std::make_unique<ValidatorScratch>(*handle_.validator_);
  }
}

ValidatorHandle::Lease::~Lease() {
  base::MutexLock lock(&handle_.pool_mu_);
  handle_.pool_.push_back(std::move(scratch_));
}

const Possession* ValidatorHandle::PossessionFor(const Presented& presented,
                                                 Possession& storage) const {
  if (!check_binding_ && presented.empty()) {
    return nullptr;
  }
  storage.dpop_jkt = presented.dpop_jkt;
  storage.certificate_thumbprint = presented.certificate_thumbprint;
  storage.dpop_required = dpop_required_;
  return &storage;
}

void ValidatorHandle::Call::Run(std::string_view token, double now, const Presented& presented) {
  Possession possession;
  Requirements requirements;
  requirements.possession = handle_.PossessionFor(presented, possession);
  error_ = handle_.validator_->Validate(token, now, scratch_, result_, requirements);
  missing_claim_.clear();
  if (error_ == Error::kMissingClaim) {
    missing_claim_ = MissingClaim(handle_.validator_->policy(), result_.token);
  }
}

Verdict ValidatorHandle::Call::verdict() const {
  return {error_, result_.header_json, result_.payload_json, result_.detail, missing_claim_};
}

void ValidatorHandle::Validate(std::string_view token, double now, Outcome& out,
                               const Presented& presented) const {
  Call call(*this);
  call.Run(token, now, presented);
  const Verdict verdict = call.verdict();
  out.error = verdict.error;
  out.cache_hit = call.result().cache_hit;
  out.detail = verdict.detail;
  out.header_json.assign(verdict.header_json);
  out.payload_json.assign(verdict.payload_json);
  out.missing_claim.assign(verdict.missing_claim);
}

void ValidatorHandle::NoteKeys(const KeySet& keys) {
  AlgorithmSet hmac;
  hmac.Add(Algorithm::kHs256);
  hmac.Add(Algorithm::kHs384);
  hmac.Add(Algorithm::kHs512);
  const AlgorithmSet& allowed = validator_->policy().algorithms;
  const AlgorithmSet effective = allowed.empty() ? keys.algorithms() : allowed;
  may_verify_public_key_.store(effective.Intersect(hmac) != effective, std::memory_order_relaxed);
}

absl::Status ValidatorHandle::UpdateKeys(std::string_view keys_text) {
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = LoadKeys(keys_text);
  if (!keys.ok()) {
    return keys.status();
  }
  const std::shared_ptr<const KeySet> serving = *std::move(keys);
  const absl::Status status = validator_->UpdateKeys(serving);
  if (status.ok()) {
    // Only a hint on whether to release a lock: a validation racing the rotation may read the
    // old one, which costs time, never a wrong verdict.
    NoteKeys(*serving);
  }
  return status;
}

absl::StatusOr<bool> ValidatorHandle::Revoke(std::string_view token, int64_t now) {
  Lease lease(*this);
  return validator_->RevokeToken(token, now, lease.scratch());
}

}  // namespace tokenwarden::bindings
