#include "core/internal/hmac.h"

#include <string>

#include <gtest/gtest.h>
#include <openssl/digest.h>
#include <openssl/hmac.h>

namespace tokenwarden::internal {
namespace {

// The prepared HMAC must equal BoringSSL's one-shot HMAC for keys shorter than, equal to and
// longer than each hash's block (64 bytes for SHA-256, 128 for SHA-384/512: longer keys are
// hashed first, RFC 2104 §2).
TEST(HmacTest, MatchesBoringSslForEveryKeyLengthClass) {
  const std::string message = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0";
  for (size_t key_len : {32, 48, 63, 64, 65, 100, 127, 128, 129, 300}) {
    std::string secret;
    for (size_t i = 0; i < key_len; ++i) {
      secret.push_back(static_cast<char>(i * 7 + 3));
    }
    HmacState state;
    PrepareHmac(secret, state);
    struct Case {
      Algorithm alg;
      const EVP_MD* md;
    };
    for (const Case& c :
         {Case{Algorithm::kHs256, EVP_sha256()}, Case{Algorithm::kHs384, EVP_sha384()},
          Case{Algorithm::kHs512, EVP_sha512()}}) {
      uint8_t want[64], got[64];
      unsigned want_len = 0;
      ASSERT_NE(
          HMAC(c.md, secret.data(), secret.size(), reinterpret_cast<const uint8_t*>(message.data()),
               message.size(), want, &want_len),
          nullptr);
      ComputeHmac(state, c.alg, message, got);
      EXPECT_EQ(std::string(reinterpret_cast<char*>(got), want_len),
                std::string(reinterpret_cast<char*>(want), want_len))
          << "key length " << key_len << ", " << AlgorithmName(c.alg);
    }
  }
}

}  // namespace
}  // namespace tokenwarden::internal
