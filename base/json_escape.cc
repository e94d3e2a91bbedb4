#include "base/json_escape.h"

#include <cstdint>

#include "base/hex.h"

namespace tokenwarden::base {
namespace {

// ShortForm is the letter of the two-character escape of `c` (RFC 8259 §7), or '\0' for the
// control characters written only as \u00XX here. \b and \f have short forms too, but no
// writer ever used them.
char ShortForm(uint8_t c) {
  switch (c) {
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return '\0';
  }
}

}  // namespace

void AppendJsonEscaped(std::string_view text, std::string& out, JsonEscapes escapes) {
  // Most text needs no escape: copy the runs between escapes in one append each.
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    const bool control = c < 0x20 || (c == 0x7f && escapes.escape_delete);
    if (!control && c != '"' && c != '\\') {
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    const char short_form = escapes.short_forms ? ShortForm(c) : '\0';
    if (!control || short_form != '\0') {
      out.push_back('\\');
      out.push_back(control ? short_form : text[i]);
    } else {
      out.append("\\u00");
      AppendHexByte(c, out);
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

void AppendJsonQuoted(std::string_view text, std::string& out, JsonEscapes escapes) {
  out.push_back('"');
  AppendJsonEscaped(text, out, escapes);
  out.push_back('"');
}

}  // namespace tokenwarden::base
