#ifndef TOKENWARDEN_CORE_INTERNAL_HMAC_H_
#define TOKENWARDEN_CORE_INTERNAL_HMAC_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <openssl/sha.h>

#include "core/algorithm.h"

namespace tokenwarden::internal {

// HmacState is an HMAC key prepared once (RFC 2104): the hash states after absorbing
// K' ^ ipad and K' ^ opad, for each hash the key is long enough for. Verifying then costs the
// message blocks plus one outer block, and no key schedule per token. The states are plain
// structs, copied per use, so one HmacState serves every thread.
struct HmacState {
  SHA256_CTX inner256, outer256;
  SHA512_CTX inner384, outer384;
  SHA512_CTX inner512, outer512;
};

// PrepareHmac fills `state` for `secret`.
void PrepareHmac(std::string_view secret, HmacState& state);

// ComputeHmac writes the HS256/384/512 MAC of `input` (HashLength(alg) bytes) to `out`.
void ComputeHmac(const HmacState& state, Algorithm alg, std::string_view input, uint8_t* out);

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_HMAC_H_
