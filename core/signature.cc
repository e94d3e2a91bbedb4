#include "core/signature.h"

#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "core/internal/hmac.h"

namespace tokenwarden {
namespace {

struct Digest {
  const EVP_MD* md;
  int nid;
};

Digest DigestFor(Algorithm alg) {
  switch (HashLength(alg)) {
    case 32:
      return {EVP_sha256(), NID_sha256};
    case 48:
      return {EVP_sha384(), NID_sha384};
    default:
      return {EVP_sha512(), NID_sha512};
  }
}

// Hash computes the message digest of `in` into `out` (64 bytes) and returns its length.
size_t Hash(Algorithm alg, std::string_view in, uint8_t* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(in.data());
  switch (HashLength(alg)) {
    case 32:
      SHA256(data, in.size(), out);
      return 32;
    case 48:
      SHA384(data, in.size(), out);
      return 48;
    default:
      SHA512(data, in.size(), out);
      return 64;
  }
}

Error Invalid() {
  ERR_clear_error();  // BoringSSL queues a reason on a failed verify; we never read it.
  return Error::kInvalidSignature;
}

Error VerifyRsa(Algorithm alg, const RSA* rsa, std::string_view input,
                std::span<const uint8_t> sig) {
  if (sig.size() != RSA_size(rsa)) {
    return Error::kInvalidSignature;
  }
  uint8_t digest[64];
  const size_t digest_len = Hash(alg, input, digest);
  const Digest d = DigestFor(alg);
  // RSA_verify* take a non-const RSA* for their lazily built Montgomery context, which
  // BoringSSL guards internally; the key is not otherwise modified.
  RSA* key = const_cast<RSA*>(rsa);
  int ok;
  if (alg == Algorithm::kPs256 || alg == Algorithm::kPs384 || alg == Algorithm::kPs512) {
    ok = RSA_verify_pss_mgf1(key, digest, digest_len, d.md, d.md, static_cast<int>(digest_len),
                             sig.data(), sig.size());
  } else {
    ok = RSA_verify(d.nid, digest, digest_len, sig.data(), sig.size(), key);
  }
  return ok == 1 ? Error::kOk : Invalid();
}

Error VerifyEcdsa(Algorithm alg, const EC_KEY* ec, std::string_view input,
                  std::span<const uint8_t> sig) {
  const EC_GROUP* group = EC_KEY_get0_group(ec);
  const BIGNUM* order = EC_GROUP_get0_order(group);
  const size_t half = (BN_num_bits(order) + 7) / 8;
  if (sig.size() != 2 * half) {
    return Error::kInvalidSignature;  // DER, truncated or extended: not RFC 7518 §3.4.
  }
  BIGNUM r, s;
  BN_init(&r);
  BN_init(&s);
  ECDSA_SIG ecdsa_sig{&r, &s};
  Error result = Error::kInvalidSignature;
  if (BN_bin2bn(sig.data(), half, &r) != nullptr &&
      BN_bin2bn(sig.data() + half, half, &s) != nullptr && !BN_is_zero(&r) && !BN_is_zero(&s) &&
      BN_cmp(&r, order) < 0 && BN_cmp(&s, order) < 0) {
    uint8_t digest[64];
    const size_t digest_len = Hash(alg, input, digest);
    if (ECDSA_do_verify(digest, digest_len, &ecdsa_sig, ec) == 1) {
      result = Error::kOk;
    }
  }
  BN_free(&r);
  BN_free(&s);
  return result == Error::kOk ? result : Invalid();
}

Error VerifyHmac(Algorithm alg, const Key& key, std::string_view input,
                 std::span<const uint8_t> sig) {
  const size_t mac_len = HashLength(alg);
  // The length is public (fixed by alg); only the contents need a constant-time compare.
  if (sig.size() != mac_len || key.hmac() == nullptr) {
    return Error::kInvalidSignature;
  }
  uint8_t mac[64];
  internal::ComputeHmac(*key.hmac(), alg, input, mac);
  return CRYPTO_memcmp(mac, sig.data(), mac_len) == 0 ? Error::kOk : Error::kInvalidSignature;
}

}  // namespace

Error VerifySignature(Algorithm alg, const Key& key, std::string_view signing_input,
                      std::span<const uint8_t> signature) {
  if (!key.algorithms().Contains(alg)) {
    return Error::kInvalidSignature;  // KeySet::Select never offers such a key.
  }
  switch (RequiredKeyType(alg)) {
    case KeyType::kRsa:
      return VerifyRsa(alg, key.rsa(), signing_input, signature);
    case KeyType::kEc:
      return VerifyEcdsa(alg, key.ec(), signing_input, signature);
    case KeyType::kOkp:
      if (signature.size() != 64) {
        return Error::kInvalidSignature;
      }
      return ED25519_verify(reinterpret_cast<const uint8_t*>(signing_input.data()),
                            signing_input.size(), signature.data(), key.ed25519().data()) == 1
                 ? Error::kOk
                 : Error::kInvalidSignature;
    case KeyType::kOct:
      return VerifyHmac(alg, key, signing_input, signature);
  }
  return Error::kInvalidSignature;
}

size_t HashLeftHalf(Algorithm alg, std::string_view value, std::span<uint8_t> out) {
  uint8_t digest[64];
  const size_t len = Hash(alg, value, digest) / 2;
  std::copy(digest, digest + len, out.begin());
  return len;
}

}  // namespace tokenwarden
