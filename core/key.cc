#include "core/key.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "base/base64url.h"
#include "base/str_cat.h"
#include "core/internal/hmac.h"
#include "core/internal/jose_json.h"
#include "core/internal/jwk.h"
#include "core/internal/pem.h"

namespace tokenwarden {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;  // BoringSSL refuses to verify with larger moduli.

AlgorithmSet RsaAlgorithms() {
  AlgorithmSet set;
  for (Algorithm alg : {Algorithm::kRs256, Algorithm::kRs384, Algorithm::kRs512, Algorithm::kPs256,
                        Algorithm::kPs384, Algorithm::kPs512}) {
    set.Add(alg);
  }
  return set;
}

struct Curve {
  std::string_view jwk_name;
  int nid;
  Algorithm alg;
  size_t coordinate_len;
};

constexpr Curve kCurves[] = {
    {"P-256", NID_X9_62_prime256v1, Algorithm::kEs256, 32},
    {"P-384", NID_secp384r1, Algorithm::kEs384, 48},
    {"P-521", NID_secp521r1, Algorithm::kEs512, 66},
};

const Curve* CurveByName(std::string_view name) {
  for (const Curve& c : kCurves) {
    if (c.jwk_name == name) {
      return &c;
    }
  }
  return nullptr;
}

const Curve* CurveByNid(int nid) {
  for (const Curve& c : kCurves) {
    if (c.nid == nid) {
      return &c;
    }
  }
  return nullptr;
}

bssl::UniquePtr<BIGNUM> BignumFrom(std::string_view bytes) {
  return bssl::UniquePtr<BIGNUM>(
      BN_bin2bn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), nullptr));
}

}  // namespace

// KeyBuilder fills a Key's private fields; it exists so the loaders below stay free
// functions while Key keeps its invariants private.
class KeyBuilder {
 public:
  static Key Rsa(bssl::UniquePtr<RSA> rsa) {
    Key key;
    key.type_ = KeyType::kRsa;
    key.bits_ = static_cast<int>(RSA_bits(rsa.get()));
    key.rsa_ = std::move(rsa);
    key.algorithms_ = RsaAlgorithms();
    return key;
  }
  static Key Ec(bssl::UniquePtr<EC_KEY> ec, const Curve& curve) {
    Key key;
    key.type_ = KeyType::kEc;
    key.bits_ = static_cast<int>(EC_GROUP_order_bits(EC_KEY_get0_group(ec.get())));
    key.ec_ = std::move(ec);
    key.algorithms_.Add(curve.alg);
    return key;
  }
  static Key Ed25519(std::string_view public_key) {
    Key key;
    key.type_ = KeyType::kOkp;
    key.bits_ = 256;
    std::copy(public_key.begin(), public_key.end(), key.ed25519_.begin());
    key.algorithms_.Add(Algorithm::kEdDsa);
    return key;
  }
  static Key Oct(std::string secret) {
    Key key;
    key.type_ = KeyType::kOct;
    key.bits_ = static_cast<int>(secret.size() * 8);
    for (Algorithm alg : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
      if (secret.size() >= HashLength(alg)) {
        key.algorithms_.Add(alg);
      }
    }
    key.secret_ = std::move(secret);
    key.hmac_ = std::make_unique<internal::HmacState>();
    internal::PrepareHmac(key.secret_, *key.hmac_);
    return key;
  }
  static void SetKid(Key& key, std::optional<std::string_view> kid) {
    if (kid.has_value()) {
      key.kid_ = std::string(*kid);
    }
  }
  static void SetIssuer(Key& key, std::optional<std::string_view> issuer) {
    if (issuer.has_value()) {
      key.issuer_ = std::string(*issuer);
    }
  }
  static void RestrictTo(Key& key, Algorithm alg) {
    key.algorithms_ = AlgorithmSet();
    key.algorithms_.Add(alg);
  }
};

namespace {

absl::StatusOr<Key> RsaFromBignums(bssl::UniquePtr<BIGNUM> n, bssl::UniquePtr<BIGNUM> e) {
  const int bits = static_cast<int>(BN_num_bits(n.get()));
  if (bits < kMinRsaBits) {
    return absl::InvalidArgumentError(
        base::StrCat("RSA modulus is ", bits, " bits, need >= ", kMinRsaBits));
  }
  if (bits > kMaxRsaBits) {
    return absl::InvalidArgumentError(
        base::StrCat("RSA modulus is ", bits, " bits, at most ", kMaxRsaBits, " supported"));
  }
  bssl::UniquePtr<RSA> rsa(RSA_new());
  if (!rsa || !RSA_set0_key(rsa.get(), n.get(), e.get(), nullptr)) {
    ERR_clear_error();
    return absl::InternalError("RSA key allocation failed");
  }
  n.release();
  e.release();
  if (!RSA_check_key(rsa.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError("RSA public key is invalid (bad exponent or modulus)");
  }
  return KeyBuilder::Rsa(std::move(rsa));
}

absl::StatusOr<Key> RsaFromJwk(simdjson::dom::object jwk) {
  absl::StatusOr<std::string> n = internal::JwkBytes(jwk, "n");
  if (!n.ok()) {
    return n.status();
  }
  absl::StatusOr<std::string> e = internal::JwkBytes(jwk, "e");
  if (!e.ok()) {
    return e.status();
  }
  return RsaFromBignums(BignumFrom(*n), BignumFrom(*e));
}

absl::StatusOr<Key> EcFromJwk(simdjson::dom::object jwk) {
  std::optional<std::string_view> crv;
  absl::Status status = internal::JwkString(jwk, "crv", crv);
  if (!status.ok()) {
    return status;
  }
  if (!crv.has_value()) {
    return absl::InvalidArgumentError("EC key has no \"crv\"");
  }
  const Curve* curve = CurveByName(*crv);
  if (curve == nullptr) {
    return absl::UnimplementedError(base::StrCat("EC curve \"", *crv, "\" is not supported"));
  }
  absl::StatusOr<std::string> x = internal::JwkBytes(jwk, "x");
  if (!x.ok()) {
    return x.status();
  }
  absl::StatusOr<std::string> y = internal::JwkBytes(jwk, "y");
  if (!y.ok()) {
    return y.status();
  }
  // RFC 7518 §6.2.1.2/3: each coordinate is exactly the full field size.
  if (x->size() != curve->coordinate_len || y->size() != curve->coordinate_len) {
    return absl::InvalidArgumentError(
        base::StrCat("EC ", *crv, " coordinates must be ", curve->coordinate_len, " bytes"));
  }
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(curve->nid));
  bssl::UniquePtr<BIGNUM> bx = BignumFrom(*x), by = BignumFrom(*y);
  if (!ec || !bx || !by ||
      !EC_KEY_set_public_key_affine_coordinates(ec.get(), bx.get(), by.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(base::StrCat("EC ", *crv, " point is not on the curve"));
  }
  return KeyBuilder::Ec(std::move(ec), *curve);
}

absl::StatusOr<Key> OkpFromJwk(simdjson::dom::object jwk) {
  std::optional<std::string_view> crv;
  absl::Status status = internal::JwkString(jwk, "crv", crv);
  if (!status.ok()) {
    return status;
  }
  if (!crv.has_value()) {
    return absl::InvalidArgumentError("OKP key has no \"crv\"");
  }
  if (*crv != "Ed25519") {
    return absl::UnimplementedError(base::StrCat("OKP curve \"", *crv, "\" is not supported"));
  }
  absl::StatusOr<std::string> x = internal::JwkBytes(jwk, "x");
  if (!x.ok()) {
    return x.status();
  }
  if (x->size() != 32) {
    return absl::InvalidArgumentError("Ed25519 public key must be 32 bytes");
  }
  return KeyBuilder::Ed25519(*x);
}

absl::StatusOr<Key> OctFromJwk(simdjson::dom::object jwk) {
  absl::StatusOr<std::string> k = internal::JwkBytes(jwk, "k");
  if (!k.ok()) {
    return k.status();
  }
  if (k->size() < HashLength(Algorithm::kHs256)) {
    return absl::InvalidArgumentError(
        base::StrCat("HMAC secret is ", k->size(), " bytes, need >= 32 (RFC 7518 §3.2)"));
  }
  return KeyBuilder::Oct(*std::move(k));
}

// CheckUsage applies "use" and "key_ops" (RFC 7517 §4.2, §4.3): only signature verification
// keys are ours.
absl::Status CheckUsage(simdjson::dom::object jwk) {
  std::optional<std::string_view> use;
  absl::Status status = internal::JwkString(jwk, "use", use);
  if (!status.ok()) {
    return status;
  }
  if (use.has_value() && *use != "sig") {
    return absl::UnimplementedError(base::StrCat("\"use\" is \"", *use, "\", not \"sig\""));
  }
  simdjson::dom::element ops;
  if (jwk["key_ops"].get(ops) != simdjson::SUCCESS) {
    return absl::OkStatus();
  }
  simdjson::dom::array array;
  if (ops.get_array().get(array) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("\"key_ops\" is not an array");
  }
  bool verify = false;
  for (simdjson::dom::element op : array) {
    std::string_view s;
    if (op.get_string().get(s) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("\"key_ops\" holds a non-string");
    }
    verify = verify || s == "verify";
  }
  if (!verify) {
    return absl::UnimplementedError("\"key_ops\" does not include \"verify\"");
  }
  return absl::OkStatus();
}

absl::StatusOr<Key> KeyFromEvp(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_id(pkey)) {
    case EVP_PKEY_RSA: {
      const RSA* rsa = EVP_PKEY_get0_RSA(pkey);
      return RsaFromBignums(bssl::UniquePtr<BIGNUM>(BN_dup(RSA_get0_n(rsa))),
                            bssl::UniquePtr<BIGNUM>(BN_dup(RSA_get0_e(rsa))));
    }
    case EVP_PKEY_EC: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey);
      const Curve* curve = CurveByNid(EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)));
      if (curve == nullptr) {
        return absl::UnimplementedError("EC curve is not P-256, P-384 or P-521");
      }
      return KeyBuilder::Ec(bssl::UniquePtr<EC_KEY>(EC_KEY_dup(ec)), *curve);
    }
    case EVP_PKEY_ED25519: {
      uint8_t raw[32];
      size_t len = sizeof(raw);
      if (!EVP_PKEY_get_raw_public_key(pkey, raw, &len) || len != sizeof(raw)) {
        ERR_clear_error();
        return absl::InvalidArgumentError("Ed25519 public key is invalid");
      }
      return KeyBuilder::Ed25519(std::string_view(reinterpret_cast<char*>(raw), len));
    }
    default:
      return absl::UnimplementedError("PEM key type is not RSA, EC or Ed25519");
  }
}

// KeyFromSpki parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
absl::StatusOr<Key> KeyFromSpki(const std::vector<uint8_t>& der) {
  CBS cbs;
  CBS_init(&cbs, der.data(), der.size());
  bssl::UniquePtr<EVP_PKEY> pkey(EVP_parse_public_key(&cbs));
  if (!pkey || CBS_len(&cbs) != 0) {
    ERR_clear_error();
    return absl::InvalidArgumentError("PEM does not hold a valid SubjectPublicKeyInfo");
  }
  return KeyFromEvp(pkey.get());
}

// KeyFromCertificate takes the public key of the X.509 certificate `der`. Nothing about the
// certificate itself is checked (issuer, dates, extensions): whoever names the file vouches
// for the key in it, as for a "PUBLIC KEY" block.
absl::StatusOr<Key> KeyFromCertificate(const std::vector<uint8_t>& der) {
  const uint8_t* p = der.data();
  bssl::UniquePtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert == nullptr || p != der.data() + der.size()) {
    ERR_clear_error();
    return absl::InvalidArgumentError("PEM does not hold a valid X.509 certificate");
  }
  bssl::UniquePtr<EVP_PKEY> pkey(X509_get_pubkey(cert.get()));
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the certificate's public key cannot be read");
  }
  return KeyFromEvp(pkey.get());
}

}  // namespace

Key::Key() = default;
Key::Key(Key&&) noexcept = default;
Key& Key::operator=(Key&&) noexcept = default;
Key::~Key() = default;

namespace {

// FingerprintHasher feeds SHA-256 length-prefixed fields, so no two field lists hash alike.
class FingerprintHasher {
 public:
  FingerprintHasher() { SHA256_Init(&ctx_); }
  void Field(std::string_view bytes) {
    const uint64_t size = bytes.size();
    SHA256_Update(&ctx_, &size, sizeof size);
    SHA256_Update(&ctx_, bytes.data(), bytes.size());
  }
  void OptionalField(const std::optional<std::string>& text) {
    const uint8_t present = text.has_value() ? 1 : 0;
    SHA256_Update(&ctx_, &present, 1);
    Field(text.has_value() ? std::string_view(*text) : std::string_view());
  }
  void Number(const BIGNUM* n) {
    std::string bytes(BN_num_bytes(n), '\0');
    BN_bn2bin(n, reinterpret_cast<uint8_t*>(bytes.data()));
    Field(std::string_view(bytes));
  }
  KeyFingerprint Finish() {
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &ctx_);
    KeyFingerprint out;
    std::copy(digest, digest + out.size(), out.begin());
    return out;
  }

 private:
  SHA256_CTX ctx_;
};

}  // namespace

KeyFingerprint Key::Fingerprint() const {
  FingerprintHasher h;
  const auto type = static_cast<uint8_t>(type_);
  h.Field(std::string_view(reinterpret_cast<const char*>(&type), 1));
  std::string algs;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    algs.push_back(algorithms_.Contains(static_cast<Algorithm>(i)) ? '1' : '0');
  }
  h.Field(std::string_view(algs));
  h.OptionalField(kid_);
  h.OptionalField(issuer_);
  switch (type_) {
    case KeyType::kRsa:
      h.Number(RSA_get0_n(rsa_.get()));
      h.Number(RSA_get0_e(rsa_.get()));
      break;
    case KeyType::kEc: {
      const EC_GROUP* group = EC_KEY_get0_group(ec_.get());
      uint8_t point[1 + 2 * 66];
      const size_t len =
          EC_POINT_point2oct(group, EC_KEY_get0_public_key(ec_.get()),
                             POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, nullptr);
      const std::string curve = std::to_string(EC_GROUP_get_curve_name(group));
      h.Field(curve);
      h.Field(std::string_view(reinterpret_cast<const char*>(point), len));
      break;
    }
    case KeyType::kOkp:
      h.Field(std::string_view(reinterpret_cast<const char*>(ed25519_.data()), ed25519_.size()));
      break;
    case KeyType::kOct:
      h.Field(std::string_view(secret_));
      break;
  }
  return h.Finish();
}

std::string Key::Describe() const {
  std::string_view type;
  switch (type_) {
    case KeyType::kRsa:
      type = "RSA";
      break;
    case KeyType::kEc:
      type = "EC";
      break;
    case KeyType::kOkp:
      type = "Ed25519";
      break;
    case KeyType::kOct:
      type = "HMAC";
      break;
  }
  std::string out = base::StrCat(type, " ", bits_, "-bit key");
  if (kid_.has_value()) {
    base::StrAppend(&out, " \"", *kid_, "\"");
  }
  return out;
}

namespace internal {

absl::Status JwkString(simdjson::dom::object jwk, std::string_view name,
                       std::optional<std::string_view>& out) {
  simdjson::dom::element value;
  if (jwk[name].get(value) != simdjson::SUCCESS) {
    out.reset();
    return absl::OkStatus();
  }
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(base::StrCat("member \"", name, "\" is not a string"));
  }
  out = s;
  return absl::OkStatus();
}

absl::StatusOr<std::string> JwkBytes(simdjson::dom::object jwk, std::string_view name) {
  std::optional<std::string_view> s;
  absl::Status status = JwkString(jwk, name, s);
  if (!status.ok()) {
    return status;
  }
  if (!s.has_value()) {
    return absl::InvalidArgumentError(base::StrCat("member \"", name, "\" is missing"));
  }
  std::optional<std::string> bytes = base::Base64UrlDecodeToString(*s);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("member \"", name, "\" is not valid unpadded base64url"));
  }
  return *std::move(bytes);
}

absl::StatusOr<Key> KeyFromJwkObject(simdjson::dom::object jwk) {
  std::vector<std::string_view> names, scratch;
  for (auto field : jwk) {
    names.push_back(field.key);
  }
  if (HasDuplicateNames(names, scratch)) {
    return absl::InvalidArgumentError("JWK repeats a member name");
  }
  std::optional<std::string_view> kty, kid, alg, issuer;
  for (auto [name, out] :
       {std::pair{"kty", &kty}, {"kid", &kid}, {"alg", &alg}, {"issuer", &issuer}}) {
    absl::Status status = internal::JwkString(jwk, name, *out);
    if (!status.ok()) {
      return status;
    }
  }
  if (!kty.has_value()) {
    return absl::InvalidArgumentError("JWK has no \"kty\"");
  }
  absl::Status usage = CheckUsage(jwk);
  if (!usage.ok()) {
    return usage;
  }
  std::optional<Algorithm> only;
  if (alg.has_value()) {
    only = ParseAlgorithm(*alg);
    if (!only.has_value()) {
      return absl::UnimplementedError(
          base::StrCat("\"alg\" \"", *alg, "\" is not a signature algorithm we implement"));
    }
  }
  absl::StatusOr<Key> key;
  if (*kty == "RSA") {
    key = RsaFromJwk(jwk);
  } else if (*kty == "EC") {
    key = EcFromJwk(jwk);
  } else if (*kty == "OKP") {
    key = OkpFromJwk(jwk);
  } else if (*kty == "oct") {
    key = OctFromJwk(jwk);
  } else {
    return absl::UnimplementedError(base::StrCat("\"kty\" \"", *kty, "\" is not supported"));
  }
  if (!key.ok()) {
    return key.status();
  }
  if (only.has_value()) {
    if (!key->algorithms().Contains(*only)) {
      return absl::InvalidArgumentError(
          base::StrCat("\"alg\" \"", *alg, "\" does not fit a ", key->Describe()));
    }
    KeyBuilder::RestrictTo(*key, *only);
  }
  KeyBuilder::SetKid(*key, kid);
  KeyBuilder::SetIssuer(*key, issuer);
  return key;
}

}  // namespace internal

absl::StatusOr<Key> Key::FromJwk(std::string_view json) {
  if (json.size() > internal::kMaxKeyFileBytes) {
    return absl::InvalidArgumentError("JWK is larger than 1 MiB");
  }
  simdjson::dom::parser parser(internal::kMaxKeyFileBytes);
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("JWK is not a JSON object");
  }
  if (object["keys"].error() == simdjson::SUCCESS && object["kty"].error() != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("this is a JWK Set (it has \"keys\"), not a single JWK");
  }
  return internal::KeyFromJwkObject(object);
}

absl::StatusOr<Key> Key::FromPem(std::string_view pem) {
  absl::StatusOr<std::optional<std::vector<uint8_t>>> spki = internal::PemBody(pem, "PUBLIC KEY");
  if (!spki.ok()) {
    return spki.status();
  }
  if (spki->has_value()) {
    return KeyFromSpki(**spki);
  }
  // A certificate (a server's cert.pem, an x5c entry saved as PEM) carries the key too.
  absl::StatusOr<std::optional<std::vector<uint8_t>>> cert = internal::PemBody(pem, "CERTIFICATE");
  if (!cert.ok()) {
    return cert.status();
  }
  if (cert->has_value()) {
    return KeyFromCertificate(**cert);
  }
  if (pem.find("-----BEGIN RSA PUBLIC KEY-----") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "PEM is a PKCS#1 \"RSA PUBLIC KEY\"; convert it to a SubjectPublicKeyInfo "
        "\"PUBLIC KEY\"");
  }
  return absl::InvalidArgumentError("no PEM \"PUBLIC KEY\" or \"CERTIFICATE\" block found");
}

}  // namespace tokenwarden
