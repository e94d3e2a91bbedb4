#include "core/internal/private_jwk.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>

#include "base/str_cat.h"
#include "core/internal/jwk.h"

namespace tokenwarden::internal {
namespace {

// RequireCurve fails with `problem` unless the JWK's `crv` is `crv`.
absl::Status RequireCurve(simdjson::dom::object jwk, std::string_view crv,
                          std::string_view problem) {
  std::optional<std::string_view> value;
  absl::Status status = JwkString(jwk, "crv", value);
  if (status.ok() && value != crv) {
    return absl::InvalidArgumentError(base::ToAbsl(problem));
  }
  return status;
}

// SecretBignum decodes the private base64url member `name` of `jwk` into a BIGNUM, wiping the
// decoded bytes.
absl::StatusOr<bssl::UniquePtr<BIGNUM>> SecretBignum(simdjson::dom::object jwk,
                                                     std::string_view name, size_t exact_len = 0) {
  absl::StatusOr<std::string> bytes = JwkBytes(jwk, name);
  if (!bytes.ok()) {
    return bytes.status();
  }
  const bool size_ok = exact_len == 0 || bytes->size() == exact_len;
  bssl::UniquePtr<BIGNUM> n(
      BN_bin2bn(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), nullptr));
  OPENSSL_cleanse(bytes->data(), bytes->size());
  if (!size_ok) {
    return absl::InvalidArgumentError(
        base::StrCat("member \"", name, "\" must be ", exact_len, " bytes"));
  }
  if (!n) {
    return BoringSslError(absl::StatusCode::kResourceExhausted, "out of memory");
  }
  return n;
}

// SecretBignums reads the members `names` in order into `out` (SecretBignum each).
absl::Status SecretBignums(simdjson::dom::object jwk, std::initializer_list<std::string_view> names,
                           size_t exact_len, std::vector<bssl::UniquePtr<BIGNUM>>& out) {
  for (const std::string_view name : names) {
    absl::StatusOr<bssl::UniquePtr<BIGNUM>> value = SecretBignum(jwk, name, exact_len);
    if (!value.ok()) {
      return value.status();
    }
    out.push_back(*std::move(value));
  }
  return absl::OkStatus();
}

// RsaFromPrivateJwk needs every CRT member (RFC 7518 §6.3.2: present together), and no `oth`
// (multi-prime keys, which BoringSSL does not sign with).
absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> RsaFromPrivateJwk(simdjson::dom::object jwk) {
  if (jwk["oth"].error() == simdjson::SUCCESS) {
    return absl::InvalidArgumentError("multi-prime RSA keys (\"oth\") are not supported");
  }
  std::vector<bssl::UniquePtr<BIGNUM>> n;
  absl::Status status = SecretBignums(jwk, {"n", "e", "d", "p", "q", "dp", "dq", "qi"}, 0, n);
  if (!status.ok()) {
    return status;
  }
  bssl::UniquePtr<RSA> rsa(RSA_new());
  if (!rsa || !RSA_set0_key(rsa.get(), n[0].get(), n[1].get(), n[2].get())) {
    return BoringSslError(absl::StatusCode::kResourceExhausted, "out of memory");
  }
  n[0].release(), n[1].release(), n[2].release();
  if (!RSA_set0_factors(rsa.get(), n[3].get(), n[4].get())) {
    return BoringSslError(absl::StatusCode::kResourceExhausted, "out of memory");
  }
  n[3].release(), n[4].release();
  if (!RSA_set0_crt_params(rsa.get(), n[5].get(), n[6].get(), n[7].get())) {
    return BoringSslError(absl::StatusCode::kResourceExhausted, "out of memory");
  }
  n[5].release(), n[6].release(), n[7].release();
  bssl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new());
  if (!RSA_check_key(rsa.get()) || !pkey || !EVP_PKEY_assign_RSA(pkey.get(), rsa.get())) {
    return BoringSslError(
        absl::StatusCode::kInvalidArgument,
        "the RSA private key is inconsistent (its members do not belong together)");
  }
  rsa.release();
  return pkey;
}

absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> EcFromPrivateJwk(simdjson::dom::object jwk) {
  absl::Status status =
      RequireCurve(jwk, "P-256", "only EC keys on P-256 (\"crv\":\"P-256\") sign here");
  if (!status.ok()) {
    return status;
  }
  std::vector<bssl::UniquePtr<BIGNUM>> n;
  status = SecretBignums(jwk, {"d", "x", "y"}, kP256Bytes, n);
  if (!status.ok()) {
    return status;
  }
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bssl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new());
  if (!ec || !pkey || !EC_KEY_set_private_key(ec.get(), n[0].get()) ||
      !EC_KEY_set_public_key_affine_coordinates(ec.get(), n[1].get(), n[2].get()) ||
      !EC_KEY_check_key(ec.get()) || !EVP_PKEY_assign_EC_KEY(pkey.get(), ec.get())) {
    return BoringSslError(absl::StatusCode::kInvalidArgument,
                          "the EC private key is invalid or does not match its x and y");
  }
  ec.release();
  return pkey;
}

absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> OkpFromPrivateJwk(simdjson::dom::object jwk) {
  absl::Status status =
      RequireCurve(jwk, "Ed25519", "only OKP keys on Ed25519 (\"crv\":\"Ed25519\") sign here");
  if (!status.ok()) {
    return status;
  }
  absl::StatusOr<std::string> d = JwkBytes(jwk, "d");
  absl::StatusOr<std::string> x = JwkBytes(jwk, "x");
  if (!d.ok() || !x.ok()) {
    return d.ok() ? x.status() : d.status();
  }
  bssl::UniquePtr<EVP_PKEY> pkey;
  if (d->size() == kEd25519Bytes) {
    pkey.reset(EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const uint8_t*>(d->data()), d->size()));
  }
  OPENSSL_cleanse(d->data(), d->size());
  uint8_t derived[kEd25519Bytes];
  size_t len = sizeof derived;
  if (!pkey || !EVP_PKEY_get_raw_public_key(pkey.get(), derived, &len) ||
      std::string_view(reinterpret_cast<const char*>(derived), len) != *x) {
    return BoringSslError(absl::StatusCode::kInvalidArgument,
                          "the Ed25519 private key is not 32 bytes or does not match its \"x\"");
  }
  return pkey;
}

// CheckSigningUse applies `use` and `key_ops` (RFC 7517 §4.2, §4.3) to a key we sign with.
absl::Status CheckSigningUse(simdjson::dom::object jwk) {
  std::optional<std::string_view> use;
  absl::Status status = JwkString(jwk, "use", use);
  if (status.ok() && use.has_value() && *use != "sig") {
    return absl::InvalidArgumentError(base::StrCat("\"use\" is \"", *use, "\", not \"sig\""));
  }
  simdjson::dom::array ops;
  if (!status.ok() || jwk["key_ops"].error() != simdjson::SUCCESS) {
    return status;
  }
  if (jwk["key_ops"].get_array().get(ops) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("\"key_ops\" is not an array");
  }
  for (simdjson::dom::element op : ops) {
    std::string_view s;
    if (op.get_string().get(s) == simdjson::SUCCESS && s == "sign") {
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("\"key_ops\" does not include \"sign\"");
}

}  // namespace

absl::Status BoringSslError(absl::StatusCode code, std::string_view what) {
  ERR_clear_error();
  return absl::Status(code, base::ToAbsl(what));
}

absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> EvpFromPrivateJwk(simdjson::dom::object jwk) {
  std::optional<std::string_view> kty;
  absl::Status status = JwkString(jwk, "kty", kty);
  if (status.ok()) {
    status = CheckSigningUse(jwk);
  }
  if (!status.ok()) {
    return status;
  }
  if (kty == "oct") {
    return absl::InvalidArgumentError(
        "a symmetric (\"oct\") key cannot sign: its verification key would be the secret");
  }
  if (jwk["d"].error() != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "the JWK is public (no \"d\"); signing needs the private key");
  }
  if (kty == "RSA") {
    return RsaFromPrivateJwk(jwk);
  }
  if (kty == "EC") {
    return EcFromPrivateJwk(jwk);
  }
  if (kty == "OKP") {
    return OkpFromPrivateJwk(jwk);
  }
  return absl::InvalidArgumentError("\"kty\" must be \"EC\", \"RSA\" or \"OKP\"");
}

}  // namespace tokenwarden::internal
