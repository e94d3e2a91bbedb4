// File: base/json_escape.h
// -----------------------------------------------------------------------------
// JSON string escaping (RFC 8259 §7) for all the JSON we write and the values we quote in
// messages: response bodies, access-log lines, `verify --json` output, configuration errors.
// RFC 8259 allows more than one spelling of a string (\n or \u000a; DEL raw or escaped). Each
// writer keeps the spelling its readers and tests already see, so the choices are options of
// one escaper rather than an escaper per writer.
#ifndef TOKENWARDEN_BASE_JSON_ESCAPE_H_
#define TOKENWARDEN_BASE_JSON_ESCAPE_H_

#include <string>
#include <string_view>

namespace tokenwarden::base {

// JsonEscapes chooses among the spellings RFC 8259 §7 allows. Whatever the choice, '"', '\\'
// and the control characters U+0000 to U+001F are escaped, and bytes >= 0x80 are copied
// as they are (callers pass UTF-8).
struct JsonEscapes {
  // short_forms writes \n, \r and \t; without it every control character is \u00XX.
  bool short_forms = true;
  // escape_delete also writes DEL (0x7f) as \u007f: JSON allows it raw, but a terminal showing
  // a message does not display it.
  bool escape_delete = false;
};

// AppendJsonEscaped appends `text` to `out` as the inside of a JSON string, without quotes.
void AppendJsonEscaped(std::string_view text, std::string& out, JsonEscapes escapes = {});

// AppendJsonQuoted appends `text` to `out` as a JSON string literal, quotes included.
void AppendJsonQuoted(std::string_view text, std::string& out, JsonEscapes escapes = {});

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_JSON_ESCAPE_H_
