// File: server/serve/payload_reader.h
// -----------------------------------------------------------------------------
// PayloadReader reads claims out of a JWT payload for the routes: the issuer of a token not
// yet verified (to choose the issuer entry; that issuer's Validator then verifies everything,
// iss included), and the claims of a verified token (introspection responses, claim headers,
// scope and audience checks). It also serves cache hits, where the core hands back only the
// payload text. One per worker thread: it owns a simdjson parser and buffers.
// Thread-safety: none.
#ifndef TOKENWARDEN_SERVER_SERVE_PAYLOAD_READER_H_
#define TOKENWARDEN_SERVER_SERVE_PAYLOAD_READER_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tokenwarden::server {

class PayloadReader {
 public:
  PayloadReader();
  ~PayloadReader();
  PayloadReader(const PayloadReader&) = delete;
  PayloadReader& operator=(const PayloadReader&) = delete;

  // PeekIssuer returns the `iss` string of `token`'s payload without verifying anything, or
  // nullopt when the token is not a compact JWS with a JSON object payload carrying a string
  // `iss`. The view lives until the next call on this reader.
  std::optional<std::string_view> PeekIssuer(std::string_view token);

  // Load parses a (verified) payload JSON object; false if it is not one. The accessors
  // below read the last loaded payload, which must outlive them.
  bool Load(std::string_view payload_json);

  // AppendIntrospectionMembers appends `,"name":value` for every claim of the payload that
  // belongs in an RFC 7662 response: all of them except `active` (the server's verdict is
  // never the token's to say), plus `scope` as a space-separated string from `scp` when the
  // token has no `scope` (Okta, Entra ID), plus `"token_type":"Bearer"` unless present.
  void AppendIntrospectionMembers(std::string& out) const;

  // ClaimText renders claim `name` for an HTTP header: a string as is, an array of strings
  // joined by single spaces, anything else as compact JSON. nullopt when absent.
  std::optional<std::string_view> ClaimText(std::string_view name, std::string& buffer) const;

  // HasAnyAudience: `aud` (string or array) names one of `audiences`.
  bool HasAnyAudience(std::span<const std::string> audiences) const;

  // HasScope: `scope` (space-separated) or `scp` (array, or space-separated string) grants
  // `scope`.
  bool HasScope(std::string_view scope) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_PAYLOAD_READER_H_
