#include "dpop.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/common/dpop_check.h"
#include "core/clock.h"
#include "core/dpop.h"
#include "core/dpop_replay_cache.h"
#include "core/jwk_thumbprint.h"
#include "error_factory.h"

namespace nb = nanobind;

namespace tokenwarden::python {
namespace {

// ReplayCache is tokenwarden.DpopReplayCache: one core cache, shared by every thread that
// verifies proofs with it (the core's cache locks per shard).
class ReplayCache {
 public:
  explicit ReplayCache(double capacity) {
    const absl::StatusOr<size_t> checked = bindings::CheckReplayCacheCapacity(capacity);
    if (!checked.ok()) {
      throw nb::value_error(std::string(checked.status().message()).c_str());
    }
    cache_ = std::make_unique<DpopReplayCache>(*checked);
  }

  size_t Size() const { return cache_->size(); }
  DpopReplayCache& cache() { return *cache_; }

 private:
  std::unique_ptr<DpopReplayCache> cache_;
};

template <typename T>
T ValueOr(absl::StatusOr<T> value) {
  if (!value.ok()) {
    throw nb::value_error(std::string(value.status().message()).c_str());
  }
  return *std::move(value);
}

// VerifyDpopProof returns (jkt, jti, iat, alg, nonce) or raises the exception of the code. The
// package (tokenwarden/_dpop.py) has checked the argument types. Every proof costs a
// public-key signature check, so the GIL is released around it, as Validator.validate does
// for such tokens; the arguments are C++ copies, which the check may read without it.
nb::tuple VerifyDpopProofPy(const std::string& proof, const std::string& method,
                            const std::string& url, const std::optional<std::string>& access_token,
                            const std::optional<std::string>& nonce, std::optional<double> now,
                            std::optional<std::vector<std::string>> algorithms, double max_age,
                            double max_future, double leeway, ReplayCache* replay_cache) {
  bindings::DpopArgs args;
  args.algorithms = std::move(algorithms);
  args.max_age_seconds = max_age;
  args.max_future_seconds = max_future;
  args.leeway_seconds = leeway;
  const DpopOptions options = ValueOr(bindings::MakeDpopOptions(args));
  DpopRequest request;
  request.method = method;
  request.url = url;
  if (access_token.has_value()) {
    request.access_token = *access_token;  // a view: `access_token` outlives the check
  }
  if (nonce.has_value()) {
    request.nonce = *nonce;
  }
  request.now = ValueOr(bindings::DpopNow(now.has_value() ? *now : UnixNowFractional()));
  DpopReplayCache* cache = replay_cache == nullptr ? nullptr : &replay_cache->cache();
  bindings::DpopCheck check;
  {
    nb::gil_scoped_release release;
    check = bindings::CheckDpopProof(proof, request, options, cache);
  }
  if (check.cache_full) {
    // Not the client's fault: the service refuses what it cannot remember (see dpop_check.h).
    PyErr_SetString(PyExc_OverflowError, std::string(check.result.detail).c_str());
    throw nb::python_error();
  }
  if (check.result.error != Error::kOk) {
    bindings::Verdict verdict;
    verdict.error = check.result.error;
    verdict.detail = check.result.detail;
    RaiseFor(verdict);
  }
  const DpopProof& p = check.result.proof;
  const std::string_view alg = AlgorithmName(p.alg);
  nb::object proof_nonce = nb::none();
  if (p.nonce.has_value()) {
    proof_nonce = nb::str(p.nonce->data(), p.nonce->size());
  }
  return nb::make_tuple(nb::str(p.jkt.data(), p.jkt.size()), nb::str(p.jti.data(), p.jti.size()),
                        p.iat, nb::str(alg.data(), alg.size()), proof_nonce);
}

std::string JwkThumbprintPy(const std::string& jwk_json) {
  return ValueOr(JwkThumbprint(jwk_json));
}

std::string AccessTokenHashPy(const std::string& token) { return AccessTokenHash(token); }

}  // namespace

void RegisterDpop(nb::module_& m) {
  nb::class_<ReplayCache>(m, "DpopReplayCache")
      .def(nb::init<double>(), nb::arg("capacity"))
      .def("__len__", &ReplayCache::Size);
  m.def("verify_dpop_proof", &VerifyDpopProofPy, nb::arg("proof"), nb::arg("method"),
        nb::arg("url"), nb::arg("access_token").none(), nb::arg("nonce").none(),
        nb::arg("now").none(), nb::arg("algorithms").none(), nb::arg("max_age"),
        nb::arg("max_future"), nb::arg("leeway"), nb::arg("replay_cache").none());
  m.def("jwk_thumbprint", &JwkThumbprintPy, nb::arg("jwk_json"));
  m.def("access_token_hash", &AccessTokenHashPy, nb::arg("token"));
}

}  // namespace tokenwarden::python
