#include "tests/core/test_tokens.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "base/base64url.h"
#include "base/str_cat.h"

namespace tokenwarden::testing {
namespace {

const EVP_MD* MdFor(Algorithm alg) {
  switch (HashLength(alg)) {
    case 32:
      return EVP_sha256();
    case 48:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

std::string Digest(Algorithm alg, std::string_view input) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(input.data(), input.size(), out, &len, MdFor(alg), nullptr), 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

int CurveNid(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs384:
      return NID_secp384r1;
    case Algorithm::kEs512:
      return NID_secp521r1;
    default:
      return NID_X9_62_prime256v1;
  }
}

std::string Padded(const BIGNUM* bn, size_t len) {
  std::string out(len, '\0');
  EXPECT_EQ(BN_bn2bin_padded(reinterpret_cast<uint8_t*>(out.data()), len, bn), 1);
  return out;
}

std::string Unpadded(const BIGNUM* bn) {
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// Fixed RSA keys (PKCS#1 RSAPrivateKey DER, base64), made once with BoringSSL's
// RSA_generate_key_ex (e = 65537). GoogleTest runs every test in its own process under ctest,
// so generating 2048-bit keys per process would dominate the suite's run time; the EC and
// Ed25519 keys are cheap and are generated fresh.
constexpr char kRsa2048A[] =
    "MIIEpAIBAAKCAQEA0ONx9jVwocppfRrDqZBFWV1yiktoO95HScTE96qcQvSZ8+fTRiiosEf7oFTE"
    "BE6HClYOsHMJ+90+WvSqYqSEluTX0RonHTjdB87jHlT03DkXwVMEyE9rL31fLaukWG00xJoTzxUu"
    "txi3Ar3WirUCNVbF6dxKnzHHUsdMC+iT+T16/qfVyfXkaWJp+Q68gOBUgaWXfxSTzv9cDkiYHNO8"
    "hI5PITmU6fmvfbbr+rL6VXPYi8233CXr2zGOPB/sZL6M7T14ygQW+4lkTemeHDhCfAbYFDpDhuAI"
    "0BUU0U1wIDvaEuNU4tLEfjtwDlU5VRjtXXNnJ30nZuqtDrYe61Qi1QIDAQABAoIBACAUagZKhzll"
    "pUUwBNAH5sqWYhaQhZm6JX8T/77cXgKfX3xYhDcQW/W0nFVvZyoVKEKDXF6nUCd0vxSHYhpjkzQ8"
    "QVOs3Uhs2O8PzAv2tqMSho4rUn7zyW2B5snUBBmLbfDqi7PAGExIuKRsZKQpL8VixeLIMNKZebfC"
    "ATEL/xul2RuvHyxIZRqnEATRloTFOZgk2NqATVph+Ri4Bdfq5fK7bR+KB/CCW4KMhgQfVrF8UjnB"
    "DpOuvdC73qh1H+bR+OqoCmXLSMvkP3eW0tFZ91YdXpmyF92Re0k7WTdGOxnqwmp/UX1FXYxzvwyj"
    "u6j2yinvPONBedbRjDgh1bko4CkCgYEA85jB8r8NMhiwT8QRyL/lix11i1nWm4oBOQVJp4x2t/KD"
    "ZlHXhUbcGQDAwUPoheMergkaBXM6gZIo2Co5QvdNbNyEpjWTS3rea5CQrfawdl0SP98VH0qFrfQV"
    "lFMXQ+wnl5hDnM+JkekGfj1CtDR8lVamj+1f54tjiB7r+38qfw0CgYEA24ZFc3KYIhIE1SwW4Zi8"
    "GtUKDbNthlpP2stC5rjTJJCVUb6MHM/HXjcDfkjMr2W8SCJozpRn5uf8vYOfFygliCfyC1Yp+xGK"
    "NUyD7rYfedxv15wbz8RxLJFrFpcJruFCS6RTUw6G4F4rhvJhCZ1pC0Aw6gLaaM6ndxnR8B6ggOkC"
    "gYB/yNN9DqHSdMcQoO8fWyMD7ik6N59vql5n1hFENlgUuMAbTbV8MabF6vIyr/frPDBc5WNkFoVL"
    "cSvB8axmJ6rS/38KXbJt9v90d7qdt3nsLXikTtcauhIUJaWoUEo1FE3UpUhamzg0dYQ1dtdmBt6P"
    "zIvFlqUnpqRIxMfP/26AhQKBgQDCl92MnvI4kVxzUqfdxrRH3L0StBDMXdYXjsJ5HzEbYobadVxi"
    "VdTWsVGJaiL2/+nMz6O0K12HE/G4VKp7rnzGmxI19mU0R7IJ2Q/CVPLF5R/HMnx8yhfAeA9DcROG"
    "T+uifcHXCDOLRC61armV+lEZRgeWCH1vFnDgZKTyg1OnsQKBgQDHdJ0lgvxS01hz+Z6qpW+d+h5w"
    "zN3i8z6h7+ddMt62UyvdGRQCnMMZw78a3PLpqtYMMj0tKsWo9MjTidzOAz1o/X5jpPumb5nP44aF"
    "tRMUEO+/GRGHOgi8TPUuZJ7P2D5y2+KVxbr2yq87WyJDrRUoVGx0xUt3uzszqY6h+hYCdA==";
constexpr char kRsa2048B[] =
    "MIIEowIBAAKCAQEAtYgS6K/Qd9wU5k4cGsHifrBwG2vaciuHt54ncTWXjNIfQMGAc99R4JuVsFHI"
    "NhZQlMH/oklWEfrAAfelSF35QB/rIxEbV8j5zlRfJTT1s/mC3wN5eNiMjsy3F0XJumbW/WTJ0zC0"
    "dXajYlx77Cj5YpGfpfQmjYOptOiL1hSAX4azRc7WyLI46hTzsUU7ihdsU0d0g4txt5dMF9+EMXQX"
    "/FTkmz92vlJWwGkNrkNVuvzgUxb5MpDUNe/Nd7t4FED3SIke9aBZH7N8qnIw37MWhIUlemWXTwDR"
    "p1fRCyaZlSIKdoLNZQdaUS2T/MGDORAhlAtVTgp8hWyJ0SJ+/YJPeQIDAQABAoIBAEfHiIKNkoby"
    "dSkj1aUW6TJjHdEZ8oSWhdGrLblsEYLTSxxV5y7qLPv9SVEw5VPNuws3Mpe/G9N8LRQaEjbtQbOD"
    "a3ywNPmfNHfLkNurd0Q08vSv8QZBykJk3DjNlZipNXV4tv1VEuYnhS9NloqpIQNCxbffNKdcWmx4"
    "T2LVNHWQpwrSgECneTJpMbwV9okxHCPo1xQdZhZq7EA4KYyEWwlGPvtOo+09i2VCjdIvFTsU04CA"
    "unRLwbubjWRz1yiuF3B7VtJ4SmiccHohIBaFPa4v5CmTEKXz6g1LiWuQcllTuYYF+dJy0+eK3/jo"
    "Mr8UvoMwegirxBmVfXzgMbY6/qkCgYEA/LK3siF78iR4brwQNm8y1W/RI9LTksJT4/Cdpqyvpxv/"
    "ft4/fzh0KtgCKIk3pMy4s/G1BlZvbAtZQylGJlwb1VuA14ohes5d52e3AhaAmgvD359yzmNZazVI"
    "09fvx2VgjX90OJr3bo3kT9IJYm54EwFY+BYOzthzDuWMWy32tQsCgYEAt+dNU+v9u0OkQ09sbxz9"
    "oQOeMjbtZHZeoFU1ozoQiDa4niuqj+UqDe1wzYHbtJ+whMNWvJNSSX0un/X4pvfuIEK2r80vq8nZ"
    "ABChMwR/H8tOhFWScb1bLNH8bfdFTeQ4t5u45M27Du2FNz9dRBr+MDODqinWrzkjsRKIL2d+mAsC"
    "gYBaAo7MNIEhzzvWtcZQnWtN+3ZTfFVAgVfAaYS+SeSHccGgPyn+9uzqFecu6TGY0hM4hXAlwcQO"
    "iDxTX/BM2aJQbTeHjvw98iQguSDG7Z0BQg+TKAiM23aOaXx3eQM/0yyBOlT7lLdt+bzJcddF6HN8"
    "0Y4PUEwWAaN6Oumz0Lt/4QKBgQCb3t0owz20iflg36F9b+n8ne9oiiudWcKMTIyAw4cdnJvP3Bzd"
    "h5OkaFqSpH0OU8cuT85lWMyG4yYwiC9vfXaEO2dSDCxag2N8bZvjfO0uiogLG+hapO7xRy2YGtvP"
    "0B7OaJtGuqTQWzrs/7TSM7q8Kf1vrbR7oYeB3r40x5iBzwKBgFlryopStQL1z78WGIQ2pQK+iDMD"
    "f94nRDd1+4FTVnEB+btHc8ywh/NubdrjAdJ7T7vsiBgSsXHQoOIt7oCp2ZLqHCHhPueKvePTOutl"
    "QcDvAUx8KR4mTkv0i6GtCtFs2ifvXtppI6yCtH+V2+eoXnTCy+IEEQFcpldeyCYL6+et";
constexpr char kRsa1024[] =
    "MIICWwIBAAKBgQCsa3aQsWGX3c8QJa67M/1++DO0MP4UC2FfJ+amwN/wj63FIJlKVSBjlVQjCfkc"
    "HMgiVbKurApXarv3htafEuvr0ptahbDJ6CS3+ds49CN/qeclXG/z3S1pYRuuT6RUFE8qSPwPk8kH"
    "bwacp/lpBgOULcP4CkpNbQd/ingWef5RLwIDAQABAoGASH4URyi1OjdhoE3fpcjpq5Eql/fDU+Un"
    "Bu2NTg4o+YlHS+r1WGnrKMN3sRW33aiCQuFaM5OU84UmS5+vLAm2E+sbdV5E7ERJwOwEJcbGOmMh"
    "FRh1cu0CAq0FLp1M/npLZxhgE05wOUynmsTXVMBbFkaYzUBFh6wne5ygrTnB6okCQQDgE6wSPP8R"
    "5g6wsKrLRcm6xSHaAyssE4cwunzVAHnBnpWsN6Mp6mBCFNw9FfdrbKpSwl2bih/c7TpHnwFjSRF5"
    "AkEAxPvNHN15NQAN2Hlr0T7hYO9GdS0PbUGrTwRZq7LO6B9FS5agx8QE4xpZE+wQjTxUAlLdlvCG"
    "9fNC28Pldx215wJAeVcNyf6P3YBoGhRBGLxc5i/UCfvHSCH3BlMmQC32wPuAb3bde1g48e/b55Ra"
    "nCiG/zPTfuPIJ1mrQpd/J+WseQJAXVarVHglTNXfuamfSyEujk4S5scZPj4VvHVlQBSUMi1PGogf"
    "W0kov6vmdagwF5x0ej1lvnXunXBNR/FFM/IiFQJAV5mA55jjcawpXwQkYmtR5cd6bNf3O9pfdnDR"
    "bVTMvjlb7fNvvWdT+RKwN+RQ5WuOPKND4cOXwGO49iZpq7ck/g==";

}  // namespace

TestKey::TestKey() = default;
TestKey::TestKey(TestKey&&) noexcept = default;
TestKey& TestKey::operator=(TestKey&&) noexcept = default;
TestKey::~TestKey() = default;

TestKey TestKey::GenerateRsa(int bits) {
  TestKey key;
  key.type_ = KeyType::kRsa;
  key.rsa_.reset(RSA_new());
  bssl::UniquePtr<BIGNUM> e(BN_new());
  EXPECT_EQ(BN_set_word(e.get(), RSA_F4), 1);
  EXPECT_EQ(RSA_generate_key_ex(key.rsa_.get(), bits, e.get(), nullptr), 1);
  return key;
}

TestKey TestKey::FromRsaPrivateKey(std::string_view base64_der) {
  TestKey key;
  key.type_ = KeyType::kRsa;
  const std::string der = base::Base64Decode(base64_der).value_or("");
  EXPECT_FALSE(der.empty());
  key.rsa_.reset(
      RSA_private_key_from_bytes(reinterpret_cast<const uint8_t*>(der.data()), der.size()));
  EXPECT_NE(key.rsa_, nullptr);
  return key;
}

TestKey TestKey::GenerateEc(Algorithm alg) {
  TestKey key;
  key.type_ = KeyType::kEc;
  key.ec_.reset(EC_KEY_new_by_curve_name(CurveNid(alg)));
  EXPECT_EQ(EC_KEY_generate_key(key.ec_.get()), 1);
  return key;
}

TestKey TestKey::GenerateEd25519() {
  TestKey key;
  key.type_ = KeyType::kOkp;
  ED25519_keypair(key.ed25519_public_, key.ed25519_private_);
  return key;
}

TestKey TestKey::Hmac(std::string secret) {
  TestKey key;
  key.type_ = KeyType::kOct;
  key.secret_ = std::move(secret);
  return key;
}

size_t TestKey::ec_half() const {
  return (EC_GROUP_order_bits(EC_KEY_get0_group(ec_.get())) + 7) / 8;
}

std::string TestKey::Sign(Algorithm alg, std::string_view input) const {
  switch (alg) {
    case Algorithm::kRs256:
    case Algorithm::kRs384:
    case Algorithm::kRs512: {
      const std::string digest = Digest(alg, input);
      std::string sig(RSA_size(rsa_.get()), '\0');
      unsigned len = 0;
      EXPECT_EQ(RSA_sign(EVP_MD_type(MdFor(alg)), reinterpret_cast<const uint8_t*>(digest.data()),
                         digest.size(), reinterpret_cast<uint8_t*>(sig.data()), &len, rsa_.get()),
                1);
      sig.resize(len);
      return sig;
    }
    case Algorithm::kPs256:
    case Algorithm::kPs384:
    case Algorithm::kPs512:
      return SignPss(alg, alg, static_cast<int>(HashLength(alg)), input);
    case Algorithm::kEs256:
    case Algorithm::kEs384:
    case Algorithm::kEs512: {
      const std::string digest = Digest(alg, input);
      bssl::UniquePtr<ECDSA_SIG> sig(
          ECDSA_do_sign(reinterpret_cast<const uint8_t*>(digest.data()), digest.size(), ec_.get()));
      EXPECT_NE(sig, nullptr);
      const BIGNUM* r = nullptr;
      const BIGNUM* s = nullptr;
      ECDSA_SIG_get0(sig.get(), &r, &s);
      return Padded(r, ec_half()) + Padded(s, ec_half());
    }
    case Algorithm::kEdDsa: {
      std::string sig(64, '\0');
      EXPECT_EQ(ED25519_sign(reinterpret_cast<uint8_t*>(sig.data()),
                             reinterpret_cast<const uint8_t*>(input.data()), input.size(),
                             ed25519_private_),
                1);
      return sig;
    }
    case Algorithm::kHs256:
    case Algorithm::kHs384:
    case Algorithm::kHs512:
      return HmacSign(alg, secret_, input);
  }
  return "";
}

std::string TestKey::SignPss(Algorithm hash_alg, Algorithm mgf1_alg, int salt_len,
                             std::string_view input) const {
  const std::string digest = Digest(hash_alg, input);
  std::string sig(RSA_size(rsa_.get()), '\0');
  size_t len = 0;
  EXPECT_EQ(RSA_sign_pss_mgf1(rsa_.get(), &len, reinterpret_cast<uint8_t*>(sig.data()), sig.size(),
                              reinterpret_cast<const uint8_t*>(digest.data()), digest.size(),
                              MdFor(hash_alg), MdFor(mgf1_alg), salt_len),
            1);
  sig.resize(len);
  return sig;
}

std::string TestKey::SignEcdsaDer(Algorithm alg, std::string_view input) const {
  const std::string digest = Digest(alg, input);
  bssl::UniquePtr<ECDSA_SIG> sig(
      ECDSA_do_sign(reinterpret_cast<const uint8_t*>(digest.data()), digest.size(), ec_.get()));
  uint8_t* der = nullptr;
  size_t der_len = 0;
  EXPECT_EQ(ECDSA_SIG_to_bytes(&der, &der_len, sig.get()), 1);
  std::string out(reinterpret_cast<char*>(der), der_len);
  OPENSSL_free(der);
  return out;
}

std::string TestKey::JwkMembers() const {
  switch (type_) {
    case KeyType::kRsa:
      return base::StrCat("\"kty\":\"RSA\",\"n\":\"", B64(Unpadded(RSA_get0_n(rsa_.get()))),
                          "\",\"e\":\"", B64(Unpadded(RSA_get0_e(rsa_.get()))), "\"");
    case KeyType::kEc: {
      const EC_GROUP* group = EC_KEY_get0_group(ec_.get());
      bssl::UniquePtr<BIGNUM> x(BN_new()), y(BN_new());
      EXPECT_EQ(EC_POINT_get_affine_coordinates_GFp(group, EC_KEY_get0_public_key(ec_.get()),
                                                    x.get(), y.get(), nullptr),
                1);
      const size_t len = (EC_GROUP_get_degree(group) + 7) / 8;
      std::string_view crv = "P-256";
      if (EC_GROUP_get_curve_name(group) == NID_secp384r1) {
        crv = "P-384";
      } else if (EC_GROUP_get_curve_name(group) == NID_secp521r1) {
        crv = "P-521";
      }
      return base::StrCat("\"kty\":\"EC\",\"crv\":\"", crv, "\",\"x\":\"",
                          B64(Padded(x.get(), len)), "\",\"y\":\"", B64(Padded(y.get(), len)),
                          "\"");
    }
    case KeyType::kOkp:
      return base::StrCat("\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"",
                          B64(std::string_view(reinterpret_cast<const char*>(ed25519_public_), 32)),
                          "\"");
    case KeyType::kOct:
      return base::StrCat("\"kty\":\"oct\",\"k\":\"", B64(secret_), "\"");
  }
  return "";
}

std::string TestKey::Jwk(std::optional<std::string_view> kid, std::string_view extra) const {
  std::string out = base::StrCat("{", JwkMembers());
  if (kid.has_value()) {
    base::StrAppend(&out, ",\"kid\":\"", *kid, "\"");
  }
  if (!extra.empty()) {
    base::StrAppend(&out, ",", extra);
  }
  out += "}";
  return out;
}

bssl::UniquePtr<EVP_PKEY> TestKey::Evp() const {
  bssl::UniquePtr<EVP_PKEY> pkey;
  switch (type_) {
    case KeyType::kRsa:
      pkey.reset(EVP_PKEY_new());
      EXPECT_EQ(EVP_PKEY_set1_RSA(pkey.get(), rsa_.get()), 1);
      break;
    case KeyType::kEc:
      pkey.reset(EVP_PKEY_new());
      EXPECT_EQ(EVP_PKEY_set1_EC_KEY(pkey.get(), ec_.get()), 1);
      break;
    case KeyType::kOkp:
      pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, ed25519_private_, 32));
      break;
    case KeyType::kOct:
      ADD_FAILURE() << "an HMAC key has no public half";
      break;
  }
  return pkey;
}

std::string TestKey::SpkiDer() const {
  const bssl::UniquePtr<EVP_PKEY> pkey = Evp();
  if (pkey == nullptr) {
    return "";
  }
  bssl::ScopedCBB cbb;
  uint8_t* der = nullptr;
  size_t der_len = 0;
  EXPECT_EQ(CBB_init(cbb.get(), 0), 1);
  EXPECT_EQ(EVP_marshal_public_key(cbb.get(), pkey.get()), 1);
  EXPECT_EQ(CBB_finish(cbb.get(), &der, &der_len), 1);
  std::string out(reinterpret_cast<char*>(der), der_len);
  OPENSSL_free(der);
  return out;
}

namespace {

// PemOf wraps `der` in a PEM block labelled `label` (RFC 7468: base64 in 64-character lines).
std::string PemOf(std::string_view label, std::string_view der) {
  const std::string b64 = base::Base64Encode(der);
  std::string out = base::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    base::StrAppend(&out, std::string_view(b64).substr(i, 64), "\n");
  }
  base::StrAppend(&out, "-----END ", label, "-----\n");
  return out;
}

}  // namespace

std::string TestKey::Pem() const { return PemOf("PUBLIC KEY", SpkiDer()); }

std::string TestKey::PrivatePem() const {
  const bssl::UniquePtr<EVP_PKEY> pkey = Evp();
  bssl::ScopedCBB cbb;
  uint8_t* der = nullptr;
  size_t der_len = 0;
  EXPECT_EQ(CBB_init(cbb.get(), 0), 1);
  EXPECT_EQ(EVP_marshal_private_key(cbb.get(), pkey.get()), 1);
  EXPECT_EQ(CBB_finish(cbb.get(), &der, &der_len), 1);
  std::string out = PemOf("PRIVATE KEY", std::string_view(reinterpret_cast<char*>(der), der_len));
  OPENSSL_free(der);
  return out;
}

std::string TestKey::PrivateDerPem() const {
  bssl::ScopedCBB cbb;
  uint8_t* der = nullptr;
  size_t der_len = 0;
  EXPECT_EQ(CBB_init(cbb.get(), 0), 1);
  if (type_ == KeyType::kRsa) {
    EXPECT_EQ(RSA_marshal_private_key(cbb.get(), rsa_.get()), 1);
  } else {
    EXPECT_EQ(EC_KEY_marshal_private_key(cbb.get(), ec_.get(), 0), 1);
  }
  EXPECT_EQ(CBB_finish(cbb.get(), &der, &der_len), 1);
  std::string out = PemOf(type_ == KeyType::kRsa ? "RSA PRIVATE KEY" : "EC PRIVATE KEY",
                          std::string_view(reinterpret_cast<char*>(der), der_len));
  OPENSSL_free(der);
  return out;
}

std::string TestKey::PrivateJwk(std::string_view extra) const {
  std::string members;
  switch (type_) {
    case KeyType::kRsa: {
      const BIGNUM *d, *p, *q, *dp, *dq, *qi;
      RSA_get0_key(rsa_.get(), nullptr, nullptr, &d);
      RSA_get0_factors(rsa_.get(), &p, &q);
      RSA_get0_crt_params(rsa_.get(), &dp, &dq, &qi);
      members =
          base::StrCat(",\"d\":\"", B64(Unpadded(d)), "\",\"p\":\"", B64(Unpadded(p)),
                       "\",\"q\":\"", B64(Unpadded(q)), "\",\"dp\":\"", B64(Unpadded(dp)),
                       "\",\"dq\":\"", B64(Unpadded(dq)), "\",\"qi\":\"", B64(Unpadded(qi)), "\"");
      break;
    }
    case KeyType::kEc:
      members = base::StrCat(",\"d\":\"",
                             B64(Padded(EC_KEY_get0_private_key(ec_.get()), ec_half())), "\"");
      break;
    case KeyType::kOkp:
      members = base::StrCat(
          ",\"d\":\"", B64(std::string_view(reinterpret_cast<const char*>(ed25519_private_), 32)),
          "\"");
      break;
    case KeyType::kOct:
      ADD_FAILURE() << "an HMAC key is not a private key";
      break;
  }
  return base::StrCat("{", JwkMembers(), members, extra.empty() ? "" : ",", extra, "}");
}

std::string TestKey::CertificatePem() const {
  const bssl::UniquePtr<EVP_PKEY> pkey = Evp();
  bssl::UniquePtr<X509> cert(X509_new());
  if (pkey == nullptr || cert == nullptr) {
    ADD_FAILURE() << "cannot make a certificate";
    return "";
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const uint8_t*>("tokenwarden-test");
  EXPECT_EQ(X509_set_version(cert.get(), X509_VERSION_3), 1);
  EXPECT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1), 1);
  EXPECT_EQ(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0), 1);
  EXPECT_EQ(X509_set_issuer_name(cert.get(), name), 1);
  EXPECT_NE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0), nullptr);
  EXPECT_NE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600), nullptr);
  EXPECT_EQ(X509_set_pubkey(cert.get(), pkey.get()), 1);
  // Ed25519 signs the whole message: no separate digest.
  const EVP_MD* md = type_ == KeyType::kOkp ? nullptr : EVP_sha256();
  EXPECT_GT(X509_sign(cert.get(), pkey.get(), md), 0);
  uint8_t* der = nullptr;
  const int der_len = i2d_X509(cert.get(), &der);
  EXPECT_GT(der_len, 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(std::max(der_len, 0)));
  OPENSSL_free(der);
  return PemOf("CERTIFICATE", out);
}

Key TestKey::PublicKey(std::optional<std::string_view> kid) const {
  absl::StatusOr<Key> key = Key::FromJwk(Jwk(kid));
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

const TestKey& RsaKey() {
  static const TestKey* const key = new TestKey(TestKey::FromRsaPrivateKey(kRsa2048A));
  return *key;
}

const TestKey& RsaKeyB() {
  static const TestKey* const key = new TestKey(TestKey::FromRsaPrivateKey(kRsa2048B));
  return *key;
}

const TestKey& Rsa1024Key() {
  static const TestKey* const key = new TestKey(TestKey::FromRsaPrivateKey(kRsa1024));
  return *key;
}

const TestKey& EcKey(Algorithm alg) {
  static const TestKey* const p256 = new TestKey(TestKey::GenerateEc(Algorithm::kEs256));
  static const TestKey* const p384 = new TestKey(TestKey::GenerateEc(Algorithm::kEs384));
  static const TestKey* const p521 = new TestKey(TestKey::GenerateEc(Algorithm::kEs512));
  switch (alg) {
    case Algorithm::kEs384:
      return *p384;
    case Algorithm::kEs512:
      return *p521;
    default:
      return *p256;
  }
}

const TestKey& EcKeyB() {
  static const TestKey* const key = new TestKey(TestKey::GenerateEc(Algorithm::kEs256));
  return *key;
}

const TestKey& Ed25519Key() {
  static const TestKey* const key = new TestKey(TestKey::GenerateEd25519());
  return *key;
}

const TestKey& HmacKey() {
  static const TestKey* const key = new TestKey(TestKey::Hmac(
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));  // 64 bytes
  return *key;
}

const TestKey& KeyFor(Algorithm alg) {
  switch (RequiredKeyType(alg)) {
    case KeyType::kRsa:
      return RsaKey();
    case KeyType::kEc:
      return EcKey(alg);
    case KeyType::kOkp:
      return Ed25519Key();
    case KeyType::kOct:
      return HmacKey();
  }
  return HmacKey();
}

std::vector<Algorithm> AllAlgorithms() {
  std::vector<Algorithm> out;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    out.push_back(static_cast<Algorithm>(i));
  }
  return out;
}

std::string B64(std::string_view bytes) { return base::Base64UrlEncode(bytes); }

std::string Assemble(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature) {
  return base::StrCat(B64(header_json), ".", B64(payload_json), ".", B64(signature));
}

std::string SignSegments(std::string_view header_seg, std::string_view payload_seg,
                         const TestKey& key, Algorithm alg) {
  const std::string input = base::StrCat(header_seg, ".", payload_seg);
  return base::StrCat(input, ".", B64(key.Sign(alg, input)));
}

std::string Mint(std::string_view header_json, std::string_view payload_json, const TestKey& key,
                 Algorithm alg) {
  return SignSegments(B64(header_json), B64(payload_json), key, alg);
}

std::string MintAlg(Algorithm alg, const TestKey& key, std::string_view payload_json,
                    std::optional<std::string_view> kid) {
  std::string header = base::StrCat("{\"alg\":\"", AlgorithmName(alg), "\"");
  if (kid.has_value()) {
    base::StrAppend(&header, ",\"kid\":\"", *kid, "\"");
  }
  header += "}";
  return Mint(header, payload_json, key, alg);
}

std::string HmacSign(Algorithm alg, std::string_view secret, std::string_view input) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EXPECT_NE(HMAC(MdFor(alg), secret.data(), secret.size(),
                 reinterpret_cast<const uint8_t*>(input.data()), input.size(), mac, &len),
            nullptr);
  return std::string(reinterpret_cast<char*>(mac), len);
}

std::vector<std::string> Segments(std::string_view token) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = token.find('.', start);
    if (dot == std::string_view::npos) {
      out.emplace_back(token.substr(start));
      return out;
    }
    out.emplace_back(token.substr(start, dot - start));
    start = dot + 1;
  }
}

std::string SignatureOf(std::string_view token) {
  const std::vector<std::string> parts = Segments(token);
  EXPECT_EQ(parts.size(), 3u);
  std::optional<std::string> sig = base::Base64UrlDecodeToString(parts.back());
  EXPECT_TRUE(sig.has_value());
  return sig.value_or("");
}

std::string WithSignature(std::string_view token, std::string_view signature) {
  const size_t dot = token.rfind('.');
  return base::StrCat(token.substr(0, dot + 1), B64(signature));
}

std::string FlipBit(std::string bytes, size_t bit) {
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (0x80 >> (bit % 8)));
  return bytes;
}

std::vector<size_t> BitsToFlip(size_t num_bits, size_t max_all, size_t spread) {
  std::vector<size_t> out;
  if (num_bits <= max_all) {
    for (size_t i = 0; i < num_bits; ++i) {
      out.push_back(i);
    }
    return out;
  }
  for (size_t i = 0; i < spread; ++i) {
    out.push_back(i * (num_bits - 1) / (spread - 1));
  }
  return out;
}

std::string ValidClaims() { return base::StrCat("{\"sub\":\"user-1\",\"exp\":", kNow + 3600, "}"); }

std::string NestedJson(size_t depth, bool arrays, std::string_view base_members) {
  // Top level (1) + "deep" holding depth-1 levels of containers.
  std::string inner = arrays ? "[]" : "{}";
  for (size_t i = 2; i < depth; ++i) {
    inner = arrays ? base::StrCat("[", inner, "]") : base::StrCat("{\"n\":", inner, "}");
  }
  return base::StrCat("{", base_members, base_members.empty() ? "" : ",", "\"deep\":", inner, "}");
}

std::string JwksOf(const std::vector<std::string>& jwks) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < jwks.size(); ++i) {
    base::StrAppend(&out, i == 0 ? "" : ",", jwks[i]);
  }
  out += "]}";
  return out;
}

std::string JwksOf(std::initializer_list<std::string> jwks) {
  return JwksOf(std::vector<std::string>(jwks));
}

std::shared_ptr<const KeySet> MustJwks(std::string_view json) {
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(json);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *keys : nullptr;
}

std::shared_ptr<const KeySet> MustKeyFile(std::string_view contents) {
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromKeyFile(contents);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *keys : nullptr;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tokenwarden::testing
