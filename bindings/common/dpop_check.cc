#include "bindings/common/dpop_check.h"

#include <cmath>
#include <cstdint>

#include <absl/status/status.h>

#include "base/str_cat.h"
#include "core/algorithm.h"

namespace tokenwarden::bindings {
namespace {

// WholeSecondsIn reads a window option: a whole number of seconds in [0, max].
absl::StatusOr<int64_t> WholeSecondsIn(std::string_view name, double value) {
  if (!std::isfinite(value) || value < 0 || value > kMaxDpopWindowSeconds ||
      std::floor(value) != value) {
    return absl::InvalidArgumentError(
        base::StrCat(name, " must be a whole number of seconds from 0 to 86400"));
  }
  return static_cast<int64_t>(value);
}

absl::StatusOr<AlgorithmSet> AlgorithmsOf(const std::vector<std::string>& names) {
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "the DPoP algorithms are an empty list: name at least one, or omit them to allow every "
        "asymmetric one");
  }
  const AlgorithmSet allowed = DpopAlgorithms();
  AlgorithmSet set;
  for (const std::string& name : names) {
    const std::optional<Algorithm> alg = ParseAlgorithm(name);
    if (!alg.has_value()) {
      return absl::InvalidArgumentError(
          base::StrCat("unsupported algorithm \"", std::string_view(name).substr(0, 32), "\""));
    }
    // RFC 9449 §4.2: a proof's alg is asymmetric; an HMAC key would be a shared secret.
    if (!allowed.Contains(*alg)) {
      return absl::InvalidArgumentError(
          base::StrCat("\"", name, "\" cannot sign a DPoP proof: only asymmetric algorithms do"));
    }
    set.Add(*alg);
  }
  return set;
}

}  // namespace

absl::StatusOr<DpopOptions> MakeDpopOptions(const DpopArgs& args) {
  DpopOptions options;
  if (args.algorithms.has_value()) {
    absl::StatusOr<AlgorithmSet> algorithms = AlgorithmsOf(*args.algorithms);
    if (!algorithms.ok()) {
      return algorithms.status();
    }
    options.algorithms = *algorithms;
  }
  const absl::StatusOr<int64_t> max_age = WholeSecondsIn("the max age", args.max_age_seconds);
  const absl::StatusOr<int64_t> max_future =
      WholeSecondsIn("the max future", args.max_future_seconds);
  const absl::StatusOr<int64_t> leeway = WholeSecondsIn("the leeway", args.leeway_seconds);
  for (const absl::Status& s : {max_age.status(), max_future.status(), leeway.status()}) {
    if (!s.ok()) {
      return s;
    }
  }
  options.max_age_seconds = *max_age;
  options.max_future_seconds = *max_future;
  options.leeway_seconds = *leeway;
  return options;
}

absl::StatusOr<size_t> CheckReplayCacheCapacity(double capacity) {
  if (!std::isfinite(capacity) || capacity < 1 || capacity > kMaxReplayCacheCapacity ||
      std::floor(capacity) != capacity) {
    return absl::InvalidArgumentError(
        "a DPoP replay cache's capacity must be a whole number from 1 to 16777216");
  }
  return static_cast<size_t>(capacity);
}

absl::StatusOr<int64_t> DpopNow(double now) {
  if (!std::isfinite(now) || std::fabs(now) > kMaxDpopNowSeconds) {
    return absl::InvalidArgumentError("now must be a finite number of Unix seconds");
  }
  return static_cast<int64_t>(std::floor(now));
}

DpopCheck CheckDpopProof(std::string_view proof, const DpopRequest& request,
                         const DpopOptions& options, DpopReplayCache* cache) {
  DpopCheck check;
  check.result = VerifyDpopProof(proof, request, options);
  if (check.result.error != Error::kOk || cache == nullptr) {
    return check;
  }
  switch (cache->Remember(check.result.proof.replay_key, check.result.proof.replay_until,
                          request.now)) {
    case DpopReplayCache::Outcome::kFresh:
      break;
    case DpopReplayCache::Outcome::kReplayed:
      check.result = {Error::kDpopProofReplayed, "the DPoP proof's jti was used before", {}};
      break;
    case DpopReplayCache::Outcome::kFull:
      check.result = {Error::kInvalidDpopProof,
                      "the DPoP replay cache is full of proofs still in their window",
                      {}};
      check.cache_full = true;
      break;
  }
  return check;
}

}  // namespace tokenwarden::bindings
