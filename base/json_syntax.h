// File: base/json_syntax.h
// -----------------------------------------------------------------------------
// Where a JSON text (RFC 8259) goes wrong, as a person editing it needs to know: line,
// column and what was expected there. simdjson, which reads our JSON, says only what kind of
// error it met ("TAPE_ERROR"), not where, so a reader that got an error from it runs this
// small validating scan over the same text to point at the spot.
//
//   if (parser.parse(text).get(root) != simdjson::SUCCESS) {
//     if (std::optional<base::JsonSyntaxError> e = base::FindJsonSyntaxError(text, 16)) {
//       report(e->line, e->column, e->problem);
//     }
//   }
#ifndef TOKENWARDEN_BASE_JSON_SYNTAX_H_
#define TOKENWARDEN_BASE_JSON_SYNTAX_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace tokenwarden::base {

// JsonSyntaxError is the first place a text stops being JSON.
struct JsonSyntaxError {
  size_t offset = 0;         // in bytes from the start of the text
  size_t line = 1;           // 1-based; lines end at '\n'
  size_t column = 1;         // 1-based, in characters (UTF-8 sequences) from the start of the line
  std::string_view problem;  // e.g. "expected ',' or '}' after an object member"; static
};

// FindJsonSyntaxError scans `json` as one JSON text whose objects and arrays nest at most
// `max_depth` deep and returns its first error, or nullopt when it is valid JSON. Beyond
// the grammar it refuses what simdjson refuses: invalid UTF-8, unpaired surrogate escapes,
// integers beyond 64 bits and numbers beyond a double's range. Linear time; it holds the
// open containers (at most `max_depth`) and one number's text at a time.
std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view json, size_t max_depth);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_JSON_SYNTAX_H_
