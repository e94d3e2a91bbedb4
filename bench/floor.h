// File: bench/floor.h
// -----------------------------------------------------------------------------
// The floor: what verifying a token costs BoringSSL alone, the bound tokenwarden's cold path
// is measured against. Everything a verifier could do once per key or ahead of the loop is
// done ahead: the key is the one tokenwarden loaded (same EVP material, same BoringSSL build),
// each signature is base64url-decoded beforehand, ECDSA's (r, s) are built into ECDSA_SIGs,
// and HMAC uses an HMAC_CTX keyed once. What remains per token is the digest of the signing
// input and the verify, so the floor cannot be slower than any verifier of the same tokens.
//
//   absl::StatusOr<FloorInputs> inputs = FloorInputs::Create(Algorithm::kEs256, key, tokens);
//   FloorVerifier verifier(*inputs);  // per thread
//   bool ok = verifier.Verify(i);     // token i: digest + verify
#ifndef TOKENWARDEN_BENCH_FLOOR_H_
#define TOKENWARDEN_BENCH_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>
#include <openssl/base.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>

#include "core/algorithm.h"
#include "core/key.h"

namespace tokenwarden::bench {

// FloorInputs is a set of tokens prepared for the floor: per token, its signing input (a view
// into the token) and its decoded signature, plus the key. Immutable once created.
// Thread-safety: shared read-only by every FloorVerifier. The tokens and the key must outlive it.
class FloorInputs {
 public:
  // Create prepares `tokens` (compact JWS, all signed with `alg` by `key`). Fails on a token
  // that does not split into three parts or whose signature is not base64url.
  static absl::StatusOr<FloorInputs> Create(Algorithm alg, const Key& key,
                                            const std::vector<std::string>& tokens);

  FloorInputs(FloorInputs&&) noexcept;
  FloorInputs& operator=(FloorInputs&&) noexcept;
  ~FloorInputs();

  size_t size() const { return inputs_.size(); }

  // Hash is the algorithm's digest: length, NID and BoringSSL's one-shot function.
  struct Hash {
    size_t len;
    int nid;
    uint8_t* (*fn)(const uint8_t* data, size_t len, uint8_t* out);
  };

 private:
  friend class FloorVerifier;
  struct Input {
    std::string_view signing_input;
    std::string signature;
    bssl::UniquePtr<ECDSA_SIG> ecdsa;  // set for ES*
  };
  FloorInputs(Algorithm alg, const Key& key, const Hash& hash)
      : alg_(alg), key_(&key), hash_(hash) {}

  Algorithm alg_;
  const Key* key_;
  Hash hash_;
  std::vector<Input> inputs_;
};

// FloorVerifier verifies prepared inputs; it owns the one piece of per-thread state, the
// keyed HMAC_CTX. Thread-safety: one per thread; must not outlive its FloorInputs.
class FloorVerifier {
 public:
  explicit FloorVerifier(const FloorInputs& inputs);
  FloorVerifier(const FloorVerifier&) = delete;
  FloorVerifier& operator=(const FloorVerifier&) = delete;

  // Verify digests and verifies input `i` (< inputs.size()); true when the signature holds.
  bool Verify(size_t i);

 private:
  bool VerifyHmac(const FloorInputs::Input& in);

  const FloorInputs& inputs_;
  bssl::ScopedHMAC_CTX hmac_;
  bool hmac_keyed_ = false;  // HS* only
};

}  // namespace tokenwarden::bench

#endif  // TOKENWARDEN_BENCH_FLOOR_H_
