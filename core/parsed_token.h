// File: core/parsed_token.h
// -----------------------------------------------------------------------------
// ParsedToken is a compact JWS taken apart once: split (RFC 7515 §7.1), each segment decoded
// as strict unpadded base64url, the JOSE header typed, and the payload read in one pass into
// the typed Claims. Nothing here is trusted yet: the signature has not been checked. It is
// what the core routes a token by (IssuerSet reads `iss` from it to choose the issuer's keys)
// and what the Verifier then verifies, so a token is parsed once per request however many
// components look at it.
//
//   tokenwarden::ParsedToken parsed;      // one per thread, reused
//   parsed.Parse(jwt, max_bytes);
//   if (parsed.claims_parsed()) route_by(parsed.claims().iss);
//   verifier.Verify(parsed, now, verified);
#ifndef TOKENWARDEN_CORE_PARSED_TOKEN_H_
#define TOKENWARDEN_CORE_PARSED_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/claims.h"
#include "core/error.h"
#include "core/header.h"

namespace tokenwarden {

// IsCompactJws reports whether `token` has the shape of a compact JWS (exactly two dots);
// anything else is an opaque token to a server (RFC 7515 §7.1). Nothing is decoded.
bool IsCompactJws(std::string_view token);

// ParsedToken holds one parse and the buffers it reuses. Views it hands out point into the
// token and into it, valid until the next Parse.
// Thread-safety: none; one thread at a time.
class ParsedToken {
 public:
  ParsedToken();
  ~ParsedToken();
  ParsedToken(const ParsedToken&) = delete;
  ParsedToken& operator=(const ParsedToken&) = delete;

  // Parse takes `token` apart. It never fails as a whole: the first failure that stops
  // verification before the signature (size over `max_bytes`, structure, header) is
  // `early_error()` at stage `early_stage()`; the payload's own verdict is `claims_error()`.
  // The payload is read even when the header is bad, so routing by `iss` does not depend on
  // the header. Does not allocate once warm.
  void Parse(std::string_view token, size_t max_bytes);

  std::string_view token() const { return token_; }
  // early_error is kOk, or kTokenTooLarge / kMalformed / kUnsupportedAlgorithm, reported by
  // the Verifier at `early_stage()` ("size", "structure" or "header") with `early_detail()`.
  Error early_error() const { return early_error_; }
  std::string_view early_stage() const { return early_stage_; }
  std::string_view early_detail() const { return early_detail_; }
  // signing_input is `header.payload` as in the token; signature the decoded signature.
  std::string_view signing_input() const { return signing_input_; }
  std::span<const uint8_t> signature() const { return signature_; }
  std::string_view header_json() const { return header_json_; }
  std::string_view payload_json() const { return payload_json_; }
  bool header_parsed() const { return header_parsed_; }
  const Header& header() const { return header_; }
  // claims_parsed: the payload decoded and read as a claims set; else claims_error() says why
  // (kMalformed with claims_detail()), or the payload was never reached (structure failed).
  bool claims_parsed() const { return claims_error_ == Error::kOk && decoded_; }
  Error claims_error() const { return claims_error_; }
  std::string_view claims_detail() const { return claims_detail_; }
  const Claims& claims() const { return claims_; }
  // payload_reads counts how many payloads this object has read (tests of the one-parse
  // rule compare it before and after a request).
  uint64_t payload_reads() const;

  struct Impl;

 private:
  void Reset(std::string_view token);
  // ParseHeader parses the decoded header (`header_len` bytes of `segment`) and remembers it.
  void ParseHeader(std::string_view segment, size_t header_len);
  std::unique_ptr<Impl> impl_;
  std::string_view token_;
  Error early_error_ = Error::kOk;
  std::string_view early_stage_;
  std::string_view early_detail_;
  std::string_view signing_input_;
  std::span<const uint8_t> signature_;
  std::string_view header_json_;
  std::string_view payload_json_;
  bool decoded_ = false;
  bool header_parsed_ = false;
  Header header_;
  Error claims_error_ = Error::kMalformed;
  std::string_view claims_detail_;
  Claims claims_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_PARSED_TOKEN_H_
