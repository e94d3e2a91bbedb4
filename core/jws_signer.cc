#include "core/jws_signer.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "base/json_escape.h"
#include "base/str_cat.h"
#include "core/internal/jose_json.h"
#include "core/internal/jwk.h"
#include "core/internal/pem.h"
#include "core/internal/private_jwk.h"
#include "core/jwk_thumbprint.h"
#include "core/key.h"
#include "core/signature.h"

namespace tokenwarden {
namespace {

using internal::BoringSslError;
using internal::kEd25519Bytes;
using internal::kP256Bytes;

std::string_view View(const uint8_t* data, size_t len) {
  return std::string_view(reinterpret_cast<const char*>(data), len);
}

// Base64UrlBignum encodes `n` big-endian in `len` bytes (0: as few as it needs, RFC 7518 §2
// Base64urlUInt).
std::string Base64UrlBignum(const BIGNUM* n, size_t len = 0) {
  std::vector<uint8_t> bytes(len == 0 ? BN_num_bytes(n) : len);
  BN_bn2bin_padded(bytes.data(), bytes.size(), n);
  return base::Base64UrlEncode(std::span<const uint8_t>(bytes));
}

// CheckFit applies the key-fit rules of RFC 7518 §3 and RFC 8037 §3.1 to the algorithms we
// sign with; the RSA size rule is Key's, applied to the public JWK later.
absl::Status CheckFit(const EVP_PKEY* pkey, Algorithm alg) {
  const int type = EVP_PKEY_id(pkey);
  switch (alg) {
    case Algorithm::kEs256:
      if (type == EVP_PKEY_EC && EC_GROUP_get_curve_name(EC_KEY_get0_group(
                                     EVP_PKEY_get0_EC_KEY(pkey))) == NID_X9_62_prime256v1) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError("ES256 needs an EC key on P-256");
    case Algorithm::kRs256:
    case Algorithm::kPs256:
      if (type == EVP_PKEY_RSA) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(
          base::StrCat(AlgorithmName(alg), " needs an RSA key (>= 2048 bits)"));
    case Algorithm::kEdDsa:
      if (type == EVP_PKEY_ED25519) {
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError("EdDSA needs an Ed25519 key");
    default:
      return absl::InvalidArgumentError(
          base::StrCat("\"", AlgorithmName(alg),
                       "\" is not an algorithm tokenwarden signs with (ES256, RS256, "
                       "PS256, EdDSA)"));
  }
}

// PublicMembers returns the public JWK members of `pkey` (CheckFit passed) without braces,
// in the lexicographic order RFC 7638 hashes them in.
std::string PublicMembers(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_id(pkey)) {
    case EVP_PKEY_RSA: {
      const RSA* rsa = EVP_PKEY_get0_RSA(pkey);
      return base::StrCat(R"("e":")", Base64UrlBignum(RSA_get0_e(rsa)), R"(","kty":"RSA","n":")",
                          Base64UrlBignum(RSA_get0_n(rsa)), "\"");
    }
    case EVP_PKEY_EC: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey);
      bssl::UniquePtr<BIGNUM> x(BN_new()), y(BN_new());
      if (!x || !y ||
          !EC_POINT_get_affine_coordinates_GFp(EC_KEY_get0_group(ec), EC_KEY_get0_public_key(ec),
                                               x.get(), y.get(), nullptr)) {
        ERR_clear_error();
        return "";
      }
      return base::StrCat(R"("crv":"P-256","kty":"EC","x":")", Base64UrlBignum(x.get(), kP256Bytes),
                          R"(","y":")", Base64UrlBignum(y.get(), kP256Bytes), "\"");
    }
    default: {
      uint8_t raw[kEd25519Bytes];
      size_t len = sizeof raw;
      if (!EVP_PKEY_get_raw_public_key(pkey, raw, &len) || len != sizeof raw) {
        ERR_clear_error();
        return "";
      }
      return base::StrCat(R"("crv":"Ed25519","kty":"OKP","x":")",
                          base::Base64UrlEncode(std::span<const uint8_t>(raw)), "\"");
    }
  }
}

// HasPrivateMember reports whether the JWK `json` carries a member that belongs to a private
// or symmetric key (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2), or is not one JSON object.
bool HasPrivateMember(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get_object().get(object) != simdjson::SUCCESS) {
    return true;
  }
  for (auto field : object) {
    for (std::string_view name : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      if (field.key == name) {
        return true;
      }
    }
  }
  return false;
}

// RawSignature signs `input` with `pkey` under `alg` in RFC 7518's encoding: ES256 as R||S
// (EVP gives DER), PS256 with MGF1-SHA-256 and a 32-byte salt (§3.5).
absl::StatusOr<std::string> RawSignature(EVP_PKEY* pkey, Algorithm alg, std::string_view input) {
  bssl::ScopedEVP_MD_CTX ctx;
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg == Algorithm::kEdDsa ? nullptr : EVP_sha256();
  if (!EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey) ||
      (alg == Algorithm::kPs256 && (!EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) ||
                                    !EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1)))) {
    return BoringSslError(absl::StatusCode::kInternal, "cannot set up the signature");
  }
  const auto* data = reinterpret_cast<const uint8_t*>(input.data());
  size_t len = 0;
  if (!EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size())) {
    return BoringSslError(absl::StatusCode::kInternal, "cannot size the signature");
  }
  std::vector<uint8_t> sig(len);
  if (!EVP_DigestSign(ctx.get(), sig.data(), &len, data, input.size())) {
    return BoringSslError(absl::StatusCode::kInternal, "signing failed");
  }
  if (alg != Algorithm::kEs256) {
    return std::string(View(sig.data(), len));
  }
  bssl::UniquePtr<ECDSA_SIG> ecdsa(ECDSA_SIG_from_bytes(sig.data(), len));
  if (!ecdsa) {
    return BoringSslError(absl::StatusCode::kInternal, "ECDSA signature unreadable");
  }
  std::string out(2 * kP256Bytes, '\0');
  auto* raw = reinterpret_cast<uint8_t*>(out.data());
  BN_bn2bin_padded(raw, kP256Bytes, ECDSA_SIG_get0_r(ecdsa.get()));
  BN_bn2bin_padded(raw + kP256Bytes, kP256Bytes, ECDSA_SIG_get0_s(ecdsa.get()));
  return out;
}

}  // namespace

// JwsSignerBuilder fills a JwsSigner's private fields from a loaded key: every loader ends
// here, so every signer passes the same checks.
class JwsSignerBuilder {
 public:
  static absl::StatusOr<JwsSigner> FromEvp(bssl::UniquePtr<EVP_PKEY> pkey, Algorithm alg,
                                           std::string_view kid);
};

absl::StatusOr<JwsSigner> JwsSignerBuilder::FromEvp(bssl::UniquePtr<EVP_PKEY> pkey, Algorithm alg,
                                                    std::string_view kid) {
  absl::Status fit = CheckFit(pkey.get(), alg);
  if (!fit.ok()) {
    return fit;
  }
  const std::string members = PublicMembers(pkey.get());
  if (members.empty()) {
    return BoringSslError(absl::StatusCode::kInvalidArgument,
                          "the key's public half cannot be read");
  }
  JwsSigner signer;
  signer.alg_ = alg;
  if (kid.empty()) {
    absl::StatusOr<std::string> thumbprint = JwkThumbprint(base::StrCat("{", members, "}"));
    if (!thumbprint.ok()) {
      return thumbprint.status();
    }
    signer.kid_ = *std::move(thumbprint);
  } else {
    signer.kid_ = std::string(kid);
  }
  signer.public_jwk_ = base::StrCat("{", members, ",\"kid\":");
  base::AppendJsonQuoted(signer.kid_, signer.public_jwk_);
  base::StrAppend(&signer.public_jwk_, ",\"alg\":\"", AlgorithmName(alg), "\",\"use\":\"sig\"}");
  if (HasPrivateMember(signer.public_jwk_)) {
    return absl::InternalError("the public JWK would hold a private member");
  }
  // The published key, read back as verifiers will read it: Key applies the size rules
  // (RSA >= 2048 bits) and the alg fit, and a signature made now must verify under it.
  absl::StatusOr<Key> public_key = Key::FromJwk(signer.public_jwk_);
  if (!public_key.ok()) {
    return absl::InvalidArgumentError(public_key.status().message());
  }
  signer.pkey_ = std::move(pkey);
  constexpr std::string_view kProbe = "tokenwarden signing key check";
  absl::StatusOr<std::string> probe = RawSignature(signer.pkey_.get(), alg, kProbe);
  if (!probe.ok()) {
    return probe.status();
  }
  const auto* sig = reinterpret_cast<const uint8_t*>(probe->data());
  if (VerifySignature(alg, *public_key, kProbe, std::span<const uint8_t>(sig, probe->size())) !=
      Error::kOk) {
    return absl::InvalidArgumentError(
        "the private key does not match its public members (a signature did not verify)");
  }
  return signer;
}

namespace {

// EvpFromDer parses `der` with `parse` (a BoringSSL CBS parser) and wraps the result.
template <typename T, typename Parse, typename Assign>
bssl::UniquePtr<EVP_PKEY> EvpFromDer(const std::vector<uint8_t>& der, Parse parse, Assign assign) {
  CBS cbs;
  CBS_init(&cbs, der.data(), der.size());
  bssl::UniquePtr<T> key(parse(&cbs));
  bssl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new());
  if (!key || CBS_len(&cbs) != 0 || !pkey || !assign(pkey.get(), key.get())) {
    ERR_clear_error();
    return nullptr;
  }
  key.release();  // owned by pkey now
  return pkey;
}

}  // namespace

absl::StatusOr<JwsSigner> JwsSigner::FromPrivatePem(std::string_view pem, Algorithm alg,
                                                    std::string_view kid) {
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "the PEM private key is encrypted; give it unencrypted in a file only tokenwarden can "
        "read");
  }
  for (const std::string_view label : {"PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"}) {
    absl::StatusOr<std::optional<std::vector<uint8_t>>> der = internal::PemBody(pem, label);
    if (!der.ok()) {
      return der.status();
    }
    if (!der->has_value()) {
      continue;
    }
    bssl::UniquePtr<EVP_PKEY> pkey;
    if (label == "PRIVATE KEY") {
      CBS cbs;
      CBS_init(&cbs, (*der)->data(), (*der)->size());
      pkey.reset(EVP_parse_private_key(&cbs));
      if (CBS_len(&cbs) != 0) {
        pkey.reset();
      }
    } else if (label == "EC PRIVATE KEY") {
      pkey = EvpFromDer<EC_KEY>(
          **der, [](CBS* cbs) { return EC_KEY_parse_private_key(cbs, nullptr); },
          EVP_PKEY_assign_EC_KEY);
    } else {
      pkey = EvpFromDer<RSA>(**der, RSA_parse_private_key, EVP_PKEY_assign_RSA);
    }
    OPENSSL_cleanse((*der)->data(), (*der)->size());
    if (!pkey) {
      return BoringSslError(
          absl::StatusCode::kInvalidArgument,
          base::StrCat("the PEM \"", label, "\" block is not a valid private key"));
    }
    return JwsSignerBuilder::FromEvp(std::move(pkey), alg, kid);
  }
  if (pem.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos ||
      pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "the PEM holds a public key or certificate; signing needs the private key");
  }
  return absl::InvalidArgumentError(
      "no PEM \"PRIVATE KEY\", \"EC PRIVATE KEY\" or \"RSA PRIVATE KEY\" block found");
}

absl::StatusOr<JwsSigner> JwsSigner::FromPrivateJwk(std::string_view json, Algorithm alg,
                                                    std::string_view kid) {
  if (json.size() > internal::kMaxKeyFileBytes) {
    return absl::InvalidArgumentError("the JWK is larger than 1 MiB");
  }
  simdjson::dom::parser parser;
  simdjson::dom::object jwk;
  if (parser.parse(json.data(), json.size()).get_object().get(jwk) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the JWK is not a JSON object");
  }
  std::vector<std::string_view> names, scratch;
  for (auto field : jwk) {
    names.push_back(field.key);
  }
  if (internal::HasDuplicateNames(names, scratch)) {
    return absl::InvalidArgumentError("the JWK repeats a member name");
  }
  std::optional<std::string_view> jwk_alg, jwk_kid;
  for (auto [name, out] : {std::pair{"alg", &jwk_alg}, {"kid", &jwk_kid}}) {
    absl::Status status = internal::JwkString(jwk, name, *out);
    if (!status.ok()) {
      return status;
    }
  }
  if (jwk_alg.has_value() && *jwk_alg != AlgorithmName(alg)) {
    return absl::InvalidArgumentError(
        base::StrCat("the JWK says \"alg\":\"", *jwk_alg, "\", not ", AlgorithmName(alg)));
  }
  if (jwk_kid.has_value() && !kid.empty() && *jwk_kid != kid) {
    return absl::InvalidArgumentError("the JWK's \"kid\" differs from the configured kid");
  }
  absl::StatusOr<bssl::UniquePtr<EVP_PKEY>> pkey = internal::EvpFromPrivateJwk(jwk);
  if (!pkey.ok()) {
    return pkey.status();
  }
  return JwsSignerBuilder::FromEvp(*std::move(pkey), alg,
                                   kid.empty() && jwk_kid.has_value() ? *jwk_kid : kid);
}

JwsSigner::JwsSigner() = default;
JwsSigner::JwsSigner(JwsSigner&&) noexcept = default;
JwsSigner& JwsSigner::operator=(JwsSigner&&) noexcept = default;
JwsSigner::~JwsSigner() = default;

std::string JwsSigner::PublicJwks() const { return base::StrCat("{\"keys\":[", public_jwk_, "]}"); }

absl::StatusOr<std::string> JwsSigner::Sign(std::string_view typ,
                                            std::string_view payload_json) const {
  std::string header = base::StrCat("{\"alg\":\"", AlgorithmName(alg_), "\",\"kid\":");
  base::AppendJsonQuoted(kid_, header);
  header.append(",\"typ\":");
  base::AppendJsonQuoted(typ, header);
  header.push_back('}');
  std::string out =
      base::StrCat(base::Base64UrlEncode(header), ".", base::Base64UrlEncode(payload_json));
  absl::StatusOr<std::string> signature = RawSignature(pkey_.get(), alg_, out);
  if (!signature.ok()) {
    return signature.status();
  }
  base::StrAppend(&out, ".", base::Base64UrlEncode(*signature));
  return out;
}

}  // namespace tokenwarden
