#ifndef TOKENWARDEN_CORE_INTERNAL_TOKEN_HASH_H_
#define TOKENWARDEN_CORE_INTERNAL_TOKEN_HASH_H_

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tokenwarden::internal {

// HashSeed is drawn from the CSPRNG once per cache, so nobody outside the process can aim
// tokens at one cache set.
struct HashSeed {
  uint64_t s0, s1, s2, s3;
};

// RandomHashSeed returns a fresh seed from BoringSSL's RAND_bytes.
HashSeed RandomHashSeed();

inline uint64_t Mum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Read64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// TokenHash is a fast seeded non-cryptographic hash (multiply-fold, in the style of wyhash).
// Inputs of 64 bytes and more go through four independent lanes, so the multiplies overlap
// instead of waiting on each other: a 400-byte token costs a few ns, on every cache lookup.
// The cache compares whole tokens after it, so a collision only costs a miss.
inline uint64_t TokenHash(std::string_view s, const HashSeed& seed) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed.s0 ^ (n * 0x9e3779b97f4a7c15ull);
  if (n >= 64) {
    uint64_t a = h, b = h ^ seed.s1, c = h ^ seed.s2, d = h ^ seed.s3;
    while (n >= 64) {
      a = Mum(Read64(p) ^ seed.s1, Read64(p + 8) ^ a);
      b = Mum(Read64(p + 16) ^ seed.s2, Read64(p + 24) ^ b);
      c = Mum(Read64(p + 32) ^ seed.s3, Read64(p + 40) ^ c);
      d = Mum(Read64(p + 48) ^ seed.s0, Read64(p + 56) ^ d);
      p += 64;
      n -= 64;
    }
    h = Mum(a ^ seed.s1, b) ^ Mum(c ^ seed.s2, d);
  }
  while (n >= 16) {
    h = Mum(Read64(p) ^ seed.s1, Read64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  char tail[16] = {};
  std::memcpy(tail, p, n);
  h = Mum(Read64(tail) ^ seed.s2, Read64(tail + 8) ^ h);
  return Mum(h ^ seed.s3, s.size() ^ seed.s1);
}

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_TOKEN_HASH_H_
