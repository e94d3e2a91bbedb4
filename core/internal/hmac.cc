#include "core/internal/hmac.h"

#include <cstring>

#include <openssl/mem.h>

namespace tokenwarden::internal {
namespace {

constexpr uint8_t kIpad = 0x36;
constexpr uint8_t kOpad = 0x5c;

// Pads builds K' (the key, hashed first if longer than the block) xor'ed with ipad / opad.
template <size_t kBlock>
void Pads(std::string_view secret, void (*hash)(const uint8_t*, size_t, uint8_t*),
          uint8_t (&ipad)[kBlock], uint8_t (&opad)[kBlock]) {
  uint8_t key[kBlock] = {};
  if (secret.size() > kBlock) {
    hash(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), key);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = key[i] ^ kIpad;
    opad[i] = key[i] ^ kOpad;
  }
  OPENSSL_cleanse(key, sizeof(key));
}

void Sha256(const uint8_t* in, size_t len, uint8_t* out) { SHA256(in, len, out); }
void Sha384(const uint8_t* in, size_t len, uint8_t* out) { SHA384(in, len, out); }
void Sha512(const uint8_t* in, size_t len, uint8_t* out) { SHA512(in, len, out); }

}  // namespace

void PrepareHmac(std::string_view secret, HmacState& state) {
  uint8_t ipad[128], opad[128];
  {
    uint8_t i64[64], o64[64];
    Pads<64>(secret, Sha256, i64, o64);
    SHA256_Init(&state.inner256);
    SHA256_Update(&state.inner256, i64, sizeof(i64));
    SHA256_Init(&state.outer256);
    SHA256_Update(&state.outer256, o64, sizeof(o64));
    OPENSSL_cleanse(i64, sizeof(i64));
    OPENSSL_cleanse(o64, sizeof(o64));
  }
  Pads<128>(secret, Sha384, ipad, opad);
  SHA384_Init(&state.inner384);
  SHA384_Update(&state.inner384, ipad, sizeof(ipad));
  SHA384_Init(&state.outer384);
  SHA384_Update(&state.outer384, opad, sizeof(opad));
  Pads<128>(secret, Sha512, ipad, opad);
  SHA512_Init(&state.inner512);
  SHA512_Update(&state.inner512, ipad, sizeof(ipad));
  SHA512_Init(&state.outer512);
  SHA512_Update(&state.outer512, opad, sizeof(opad));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
}

void ComputeHmac(const HmacState& state, Algorithm alg, std::string_view input, uint8_t* out) {
  uint8_t inner[64];
  switch (alg) {
    case Algorithm::kHs256: {
      SHA256_CTX ctx = state.inner256;
      SHA256_Update(&ctx, input.data(), input.size());
      SHA256_Final(inner, &ctx);
      ctx = state.outer256;
      SHA256_Update(&ctx, inner, 32);
      SHA256_Final(out, &ctx);
      return;
    }
    case Algorithm::kHs384: {
      SHA512_CTX ctx = state.inner384;
      SHA384_Update(&ctx, input.data(), input.size());
      SHA384_Final(inner, &ctx);
      ctx = state.outer384;
      SHA384_Update(&ctx, inner, 48);
      SHA384_Final(out, &ctx);
      return;
    }
    default: {
      SHA512_CTX ctx = state.inner512;
      SHA512_Update(&ctx, input.data(), input.size());
      SHA512_Final(inner, &ctx);
      ctx = state.outer512;
      SHA512_Update(&ctx, inner, 64);
      SHA512_Final(out, &ctx);
      return;
    }
  }
}

}  // namespace tokenwarden::internal
