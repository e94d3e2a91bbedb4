// File: base/base64url.h
// -----------------------------------------------------------------------------
// Strict unpadded base64url (RFC 4648 §5, as RFC 7515 §2 uses it). The core decodes every
// token segment and JWK member with it, on the hot path; the server encodes and decodes
// stored secret hashes (salt and digest) and mints the demo's token and key with it. It lives
// in base/ because the codec itself knows nothing of tokens, so one copy serves them all.
#ifndef TOKENWARDEN_BASE_BASE64URL_H_
#define TOKENWARDEN_BASE_BASE64URL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::base {

// Base64UrlDecodedLength returns how many bytes `encoded_len` characters of unpadded base64url
// decode to, or nullopt when no valid encoding has that length (len % 4 == 1).
std::optional<size_t> Base64UrlDecodedLength(size_t encoded_len);

// Base64UrlDecode decodes `in` strictly (RFC 7515 §2 / RFC 4648 §5 without padding): only
// A-Z a-z 0-9 '-' '_', no '=', no whitespace, and the unused trailing bits must be zero, so
// every byte string has exactly one accepted encoding. `out` must hold
// Base64UrlDecodedLength(in.size()) bytes. Returns false on any violation (`out` is then
// unspecified).
[[nodiscard]] bool Base64UrlDecode(std::string_view in, uint8_t* out);

// Base64UrlDecodeScalarForTesting is Base64UrlDecode without its vector path (AVX2 where the
// CPU has it), for tests and fuzzers that hold the two to the same answers.
[[nodiscard]] bool Base64UrlDecodeScalarForTesting(std::string_view in, uint8_t* out);

// Base64UrlDecodeToString is the allocating form for cold paths (JWK members, at_hash).
std::optional<std::string> Base64UrlDecodeToString(std::string_view in);

// Base64UrlEncode encodes `in` without padding.
std::string Base64UrlEncode(std::span<const uint8_t> in);
std::string Base64UrlEncode(std::string_view in);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_BASE64URL_H_
