#include "bench/floor.h"

#include <utility>

#include <absl/status/status.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "base/base64url.h"
#include "core/compact.h"

namespace tokenwarden::bench {
namespace {

// kHashes are the three JOSE hashes, by digest length: the EVP_MD (HMAC, PSS), the NID
// (PKCS #1 v1.5) and the one-shot function, chosen once per set so the loop does not branch
// on the hash.
constexpr FloorInputs::Hash kSha256{32, NID_sha256, SHA256};
constexpr FloorInputs::Hash kSha384{48, NID_sha384, SHA384};
constexpr FloorInputs::Hash kSha512{64, NID_sha512, SHA512};

const EVP_MD* MdOf(const FloorInputs::Hash& hash) {
  return hash.len == 32 ? EVP_sha256() : hash.len == 48 ? EVP_sha384() : EVP_sha512();
}

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPs256 || alg == Algorithm::kPs384 || alg == Algorithm::kPs512;
}

}  // namespace

FloorInputs::FloorInputs(FloorInputs&&) noexcept = default;
FloorInputs& FloorInputs::operator=(FloorInputs&&) noexcept = default;
FloorInputs::~FloorInputs() = default;

absl::StatusOr<FloorInputs> FloorInputs::Create(Algorithm alg, const Key& key,
                                                const std::vector<std::string>& tokens) {
  const size_t len = HashLength(alg);
  FloorInputs floor(alg, key, len == 32 ? kSha256 : len == 48 ? kSha384 : kSha512);
  floor.inputs_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::optional<CompactParts> parts = SplitCompact(tokens[i]);
    std::optional<std::string> sig;
    if (parts.has_value()) {
      sig = base::Base64UrlDecodeToString(parts->signature);
    }
    if (!sig.has_value()) {
      return absl::InvalidArgumentError("floor: token " + std::to_string(i) +
                                        " is not a compact JWS");
    }
    Input in{parts->signing_input, std::move(*sig), nullptr};
    if (RequiredKeyType(alg) == KeyType::kEc) {
      const size_t half = in.signature.size() / 2;
      const auto* bytes = reinterpret_cast<const uint8_t*>(in.signature.data());
      in.ecdsa.reset(ECDSA_SIG_new());
      if (in.ecdsa == nullptr || BN_bin2bn(bytes, half, in.ecdsa->r) == nullptr ||
          BN_bin2bn(bytes + half, half, in.ecdsa->s) == nullptr) {
        return absl::ResourceExhaustedError("floor: ECDSA_SIG");
      }
    }
    floor.inputs_.push_back(std::move(in));
  }
  return floor;
}

FloorVerifier::FloorVerifier(const FloorInputs& inputs) : inputs_(inputs) {
  if (RequiredKeyType(inputs.alg_) == KeyType::kOct) {
    // Keyed once: HMAC_Init_ex with a null key then restores the computed pads per message,
    // as BoringSSL documents, so no key schedule runs per token. Unkeyed, every Verify fails
    // and the benchmark says so.
    const std::string_view secret = inputs.key_->secret();
    hmac_keyed_ =
        HMAC_Init_ex(hmac_.get(), secret.data(), secret.size(), MdOf(inputs.hash_), nullptr) == 1;
  }
}

bool FloorVerifier::VerifyHmac(const FloorInputs::Input& in) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  if (!hmac_keyed_ || HMAC_Init_ex(hmac_.get(), nullptr, 0, nullptr, nullptr) != 1 ||
      HMAC_Update(hmac_.get(), reinterpret_cast<const uint8_t*>(in.signing_input.data()),
                  in.signing_input.size()) != 1 ||
      HMAC_Final(hmac_.get(), mac, &mac_len) != 1) {
    return false;
  }
  return mac_len == in.signature.size() && CRYPTO_memcmp(mac, in.signature.data(), mac_len) == 0;
}

bool FloorVerifier::Verify(size_t i) {
  const FloorInputs::Input& in = inputs_.inputs_[i];
  const Algorithm alg = inputs_.alg_;
  const Key& key = *inputs_.key_;
  const auto* sig = reinterpret_cast<const uint8_t*>(in.signature.data());
  const FloorInputs::Hash& hash = inputs_.hash_;
  const auto* input = reinterpret_cast<const uint8_t*>(in.signing_input.data());
  uint8_t digest[64];
  switch (RequiredKeyType(alg)) {
    case KeyType::kRsa: {
      hash.fn(input, in.signing_input.size(), digest);
      // Non-const only for BoringSSL's lazily built Montgomery context (internally locked).
      RSA* rsa = const_cast<RSA*>(key.rsa());
      if (IsPss(alg)) {
        return RSA_verify_pss_mgf1(rsa, digest, hash.len, MdOf(hash), MdOf(hash),
                                   static_cast<int>(hash.len), sig, in.signature.size()) == 1;
      }
      return RSA_verify(hash.nid, digest, hash.len, sig, in.signature.size(), rsa) == 1;
    }
    case KeyType::kEc: {
      hash.fn(input, in.signing_input.size(), digest);
      return ECDSA_do_verify(digest, hash.len, in.ecdsa.get(), key.ec()) == 1;
    }
    case KeyType::kOkp:
      return ED25519_verify(input, in.signing_input.size(), sig, key.ed25519().data()) == 1;
    case KeyType::kOct:
      return VerifyHmac(in);
  }
  return false;
}

}  // namespace tokenwarden::bench
