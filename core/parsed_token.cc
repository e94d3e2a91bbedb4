#include "core/parsed_token.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "base/ascii.h"
#include "base/base64url.h"
#include "core/compact.h"
#include "core/internal/claims_reader.h"
#include "core/internal/jose_json.h"
#include "core/policy.h"

namespace tokenwarden {

struct ParsedToken::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::document header_doc;
  // Decoded segments, each with SIMDJSON_PADDING readable bytes past the data so simdjson
  // parses the header in place without copying.
  std::vector<uint8_t> header;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> signature;
  internal::HeaderStorage header_storage;
  internal::ClaimsStorage claims_storage;
  // The last header segment that parsed cleanly, and what it parsed to. One issuer's tokens
  // share a handful of headers byte for byte ({"alg","kid","typ"}), and a header is a pure
  // function of its bytes, so an identical segment reuses the decode and the parse: its
  // `header` bytes, `header_doc` and `header_storage` are untouched until the next miss.
  std::string memo_segment;
  Header memo_header;
  size_t memo_len = 0;
  bool memo_valid = false;
};

namespace {

// Decode strictly decodes one base64url segment into `buf`, keeping simdjson's padding.
bool Decode(std::string_view segment, std::vector<uint8_t>& buf, size_t& len) {
  const std::optional<size_t> decoded = base::Base64UrlDecodedLength(segment.size());
  if (!decoded.has_value()) {
    return false;
  }
  len = *decoded;
  if (buf.size() < len + simdjson::SIMDJSON_PADDING) {
    buf.resize(len + simdjson::SIMDJSON_PADDING);
  }
  return base::Base64UrlDecode(segment, buf.data());
}

std::string_view Text(const std::vector<uint8_t>& buf, size_t len) {
  return std::string_view(reinterpret_cast<const char*>(buf.data()), len);
}

// StructureDetail says why `token` is not three canonical base64url segments, naming the
// mistakes people make most (a pasted Authorization value, an encrypted token) so the message
// tells them what to do. `split`: the token had exactly three segments. Static storage.
std::string_view StructureDetail(std::string_view token, bool split) {
  if (base::StartsWithIgnoreCase(token, "Bearer ")) {
    return "it starts with \"Bearer \", the HTTP authorization scheme: pass the token alone";
  }
  // RFC 7516 §7.1: a compact JWE has five segments (four dots); we verify signatures only.
  if (!split && std::count(token.begin(), token.end(), '.') == 4) {
    return "it has five segments, an encrypted token (JWE), which is not supported: only "
           "signed tokens (JWS) are verified";
  }
  return split ? "every segment must be canonical unpadded base64url (RFC 7515 §2)"
               : "a compact JWS has exactly three segments";
}

}  // namespace

bool IsCompactJws(std::string_view token) {
  // Two finds (memchr) rather than counting byte by byte: runs on every request.
  const size_t first = token.find('.');
  if (first == std::string_view::npos) {
    return false;
  }
  const size_t second = token.find('.', first + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

ParsedToken::ParsedToken() : impl_(std::make_unique<Impl>()) {
  // A failed allocation here surfaces later as a parse error (kMalformed), never a crash.
  [[maybe_unused]] const simdjson::error_code error =
      impl_->parser.allocate(kDefaultMaxTokenBytes, internal::kSimdjsonMaxDepth);
}

ParsedToken::~ParsedToken() = default;

uint64_t ParsedToken::payload_reads() const { return impl_->claims_storage.reads; }

void ParsedToken::Reset(std::string_view token) {
  token_ = token;
  early_error_ = Error::kOk;
  early_stage_ = {};
  early_detail_ = {};
  signing_input_ = {};
  signature_ = {};
  header_json_ = {};
  payload_json_ = {};
  decoded_ = false;
  header_parsed_ = false;
  header_ = Header{};
  claims_error_ = Error::kMalformed;
  claims_detail_ = {};
  claims_ = Claims{};
}

void ParsedToken::Parse(std::string_view token, size_t max_bytes) {
  Reset(token);
  Impl& s = *impl_;
  if (token.size() > max_bytes) {
    early_error_ = Error::kTokenTooLarge;
    early_stage_ = "size";
    early_detail_ = "the token exceeds the size limit";
    return;
  }
  const std::optional<CompactParts> parts = SplitCompact(token);
  early_stage_ = "structure";
  if (!parts.has_value()) {
    early_error_ = Error::kMalformed;
    early_detail_ = StructureDetail(token, /*split=*/false);
    return;
  }
  signing_input_ = parts->signing_input;
  const bool memo_hit = s.memo_valid && parts->header == s.memo_segment;
  if (!memo_hit) {
    s.memo_valid = false;  // the buffers below are about to change
  }
  size_t header_len = s.memo_len, payload_len = 0, signature_len = 0;
  if ((!memo_hit && !Decode(parts->header, s.header, header_len)) ||
      !Decode(parts->payload, s.payload, payload_len) ||
      !Decode(parts->signature, s.signature, signature_len)) {
    early_error_ = Error::kMalformed;
    early_detail_ = StructureDetail(token, /*split=*/true);
    return;
  }
  decoded_ = true;
  signature_ = std::span<const uint8_t>(s.signature.data(), signature_len);
  header_json_ = Text(s.header, header_len);
  payload_json_ = Text(s.payload, payload_len);
  claims_error_ =
      internal::ReadClaimsJson(payload_json_, claims_, s.claims_storage, claims_detail_);
  if (memo_hit) {
    header_ = s.memo_header;
    header_parsed_ = true;
    early_stage_ = {};
    return;
  }
  ParseHeader(parts->header, header_len);
}

void ParsedToken::ParseHeader(std::string_view segment, size_t header_len) {
  Impl& s = *impl_;
  early_stage_ = "header";
  simdjson::dom::element root;
  if (s.parser.parse_into_document(s.header_doc, s.header.data(), header_len, false).get(root) !=
      simdjson::SUCCESS) {
    early_error_ = Error::kMalformed;
    early_detail_ = "the JOSE header is not valid UTF-8 JSON within the nesting limit";
    return;
  }
  early_error_ = internal::ReadHeader(root, header_, s.header_storage, early_detail_);
  header_parsed_ = early_error_ == Error::kOk;
  if (header_parsed_) {
    early_stage_ = {};
    s.memo_segment.assign(segment);
    s.memo_header = header_;
    s.memo_len = header_len;
    s.memo_valid = true;
  }
}

}  // namespace tokenwarden
