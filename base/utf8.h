// File: base/utf8.h
// -----------------------------------------------------------------------------
// Shortening UTF-8 text for messages without cutting a character in two, so that a shortened
// message is still valid UTF-8 (and so valid JSON, RFC 8259 §8.1).
#ifndef TOKENWARDEN_BASE_UTF8_H_
#define TOKENWARDEN_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace tokenwarden::base {

// Utf8Prefix returns `text` when it fits in `max_bytes`, else its longest prefix of at most
// `max_bytes` that does not end inside a multi-byte sequence (bytes 10xxxxxx continue one).
// The result views `text`.
inline std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut);
}

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_UTF8_H_
