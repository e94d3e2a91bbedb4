// File: bindings/common/dpop_check.h
// -----------------------------------------------------------------------------
// DPoP proof verification (core/dpop.h) as both bindings expose it: the options a binding
// user passes, checked once here so that Python and Node refuse the same values, and the
// replay check after a proof has passed every other one.
//
//   absl::StatusOr<DpopOptions> options = MakeDpopOptions(args);  // ValueError / TypeError
//   DpopCheck check = CheckDpopProof(proof, request, *options, cache);  // any thread
//   check.result.error: kOk, kInvalidDpopProof, kUseDpopNonce or kDpopProofReplayed
#ifndef TOKENWARDEN_BINDINGS_COMMON_DPOP_CHECK_H_
#define TOKENWARDEN_BINDINGS_COMMON_DPOP_CHECK_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "core/dpop.h"
#include "core/dpop_replay_cache.h"

namespace tokenwarden::bindings {

// kMaxDpopWindowSeconds bounds max_age, max_future and leeway: a day is far beyond any sane
// proof lifetime (RFC 9449 §11.1 speaks of seconds to minutes), and the bound keeps the
// core's sums of them far from overflow.
inline constexpr double kMaxDpopWindowSeconds = 86400;
// kMaxDpopNowSeconds bounds `now` (the year 5138): the core converts times near it to int64.
inline constexpr double kMaxDpopNowSeconds = 1e11;
// kMaxReplayCacheCapacity bounds a DpopReplayCache: each entry costs about 40 bytes.
inline constexpr double kMaxReplayCacheCapacity = 1 << 24;

// DpopArgs are a binding's options, already converted to C++ types.
struct DpopArgs {
  // algorithms: names such as "ES256"; nullopt allows every asymmetric algorithm the core
  // verifies (DpopAlgorithms). An empty list is refused rather than read as "any".
  std::optional<std::vector<std::string>> algorithms;
  double max_age_seconds = 60;
  double max_future_seconds = 60;
  double leeway_seconds = 0;
};

// MakeDpopOptions checks `args` and converts them: InvalidArgument, naming the option, for
// an unknown algorithm, one that cannot sign a proof (HMAC, none), an empty list, or a window
// that is not a whole number of seconds in [0, kMaxDpopWindowSeconds].
absl::StatusOr<DpopOptions> MakeDpopOptions(const DpopArgs& args);

// CheckReplayCacheCapacity refuses (InvalidArgument) a capacity outside
// [1, kMaxReplayCacheCapacity] or with a fraction.
absl::StatusOr<size_t> CheckReplayCacheCapacity(double capacity);

// DpopNow converts a binding's `now` (Unix seconds, fraction allowed) into the core's whole
// seconds, rounded down; InvalidArgument unless it is finite and within ±kMaxDpopNowSeconds.
absl::StatusOr<int64_t> DpopNow(double now);

// DpopCheck is one proof's verdict. On kOk, `result.proof` is set; on a failure,
// `result.detail` says which check failed (static storage). `cache_full` is set when every
// other check passed but `cache` was full of proofs still inside their window: the proof is
// refused (error kInvalidDpopProof) because it could not be remembered, which is the
// service's capacity problem rather than the client's, so a binding reports it apart.
struct DpopCheck {
  DpopResult result;
  bool cache_full = false;
};

// CheckDpopProof verifies `proof` (VerifyDpopProof) and then, with a `cache`, remembers it:
// a proof seen before is kDpopProofReplayed. A proof that fails any other check is not
// remembered, so it spends nothing of the cache and its jti stays usable. Thread-safe; blocks
// only on one of the cache's shard locks.
DpopCheck CheckDpopProof(std::string_view proof, const DpopRequest& request,
                         const DpopOptions& options, DpopReplayCache* cache);

}  // namespace tokenwarden::bindings

#endif  // TOKENWARDEN_BINDINGS_COMMON_DPOP_CHECK_H_
