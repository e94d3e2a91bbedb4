// File: base/base64.h
// -----------------------------------------------------------------------------
// Standard Base64 (RFC 4648 §4, '+' and '/', '=' padding) for HTTP Basic credentials (RFC 7617):
// we decode them from callers and encode them for the upstream introspection endpoint. Both
// directions are BoringSSL's EVP_EncodeBlock / EVP_DecodeBase64; the decoder adds the one rule
// BoringSSL leaves out, canonical trailing bits. Base64url without padding, the JOSE alphabet,
// is base/base64url.h.
#ifndef TOKENWARDEN_BASE_BASE64_H_
#define TOKENWARDEN_BASE_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace tokenwarden::base {

// Base64Encode encodes `in` as standard Base64 with '=' padding.
std::string Base64Encode(std::string_view in);

// Base64Decode decodes `in` strictly: whole 4-character groups, '=' only as the last one or
// two characters, no whitespace or line breaks, and zero unused bits in the last group
// (RFC 4648 §3.5), so each byte string has exactly one accepted encoding. Returns nullopt on
// any violation.
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_BASE64_H_
