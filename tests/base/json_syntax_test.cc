// base/json_syntax.h: the first error of a JSON text, with its line and column; and the
// same verdict as simdjson (which reads our JSON) on what is JSON at all.
#include "base/json_syntax.h"

#include <algorithm>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tokenwarden::base {
namespace {

constexpr size_t kDepth = 16;

bool SimdjsonAccepts(std::string_view text) {
  simdjson::dom::parser parser;
  if (parser.allocate(std::max<size_t>(text.size(), 64), kDepth) != simdjson::SUCCESS) {
    ADD_FAILURE() << "cannot allocate";
    return false;
  }
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS;
}

struct Broken {
  std::string text;
  size_t line;
  size_t column;
  std::string_view problem;
};

// Each config mistake people make, where an editor would put the cursor.
TEST(JsonSyntaxTest, LocatesTheFirstError) {
  const Broken kCases[] = {
      {"", 1, 1, "no JSON value: the text is empty"},
      {"  \n  ", 2, 3, "no JSON value: the text is empty"},
      {"{\n  \"workers\": 2,\n}", 2, 15, "a comma before '}' (JSON allows no trailing comma)"},
      {"[1,2,]", 1, 5, "a comma before ']' (JSON allows no trailing comma)"},
      {"{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected ',' or '}' after an object member"},
      {"[1 2]", 1, 4, "expected ',' or ']' after an array item"},
      {"{\"a\" 1}", 1, 6, "expected ':' after the member name"},
      {"{a: 1}", 1, 2, "expected a member name in double quotes"},
      {"{'a': 1}", 1, 2, "expected a member name in double quotes"},
      {"{\"a\": }", 1, 7,
       "expected a value: an object, array, string, number, true, false or null"},
      {"{\"a\": True}", 1, 7,
       "expected a value: an object, array, string, number, true, false or null"},
      {"{\"a\": 1", 1, 8, "the text ends inside an object: '}' is missing"},
      {"[1", 1, 3, "the text ends inside an array: ']' is missing"},
      {"{\"a\":", 1, 6, "the text ends where a value is expected"},
      {"{\"a\": \"b}", 1, 7, "a string that is never closed"},
      {"{} {}", 1, 4, "more text after the JSON value"},
      {"{\"a\": 01}", 1, 7, "a number with a leading zero"},
      {"{\"a\": -}", 1, 7, "a number needs a digit here"},
      {"{\"a\": 1.}", 1, 9, "a digit must follow the decimal point"},
      {"{\"a\": 1e+}", 1, 10, "a digit must follow the exponent"},
      {"{\"a\": 18446744073709551616}", 1, 7, "an integer beyond 64 bits"},
      {"{\"a\": -9223372036854775809}", 1, 7, "an integer beyond 64 bits"},
      {"{\"a\": 1e999}", 1, 7, "a number beyond the range of a double"},
      {"{\"a\": \"x\\qy\"}", 1, 9,
       "an invalid escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"},
      {"{\"a\": \"\\u12\"}", 1, 8, "\\u must be followed by four hex digits"},
      {"{\"a\": \"\\ud800x\"}", 1, 8,
       "a \\u escape of a high surrogate without a low one after it"},
      {"{\"a\": \"\\udc00\"}", 1, 8,
       "a \\u escape of a low surrogate without a high one before it"},
      {"{\"a\": \"tab\there\"}", 1, 11,
       "a control character inside a string (write it as an escape, e.g. \\n)"},
      {"{\"a\": \"\xff\"}", 1, 8, "invalid UTF-8"},
      {"{\"a\": \"\xc0\xaf\"}", 1, 8, "invalid UTF-8"},      // overlong '/'
      {"{\"a\": \"\xed\xa0\x80\"}", 1, 8, "invalid UTF-8"},  // a surrogate
      {"{\"\xc3\xa9\": 1,}", 1, 8,
       "a comma before '}' (JSON allows no trailing comma)"},  // é is one column
      {std::string(17, '[') + std::string(17, ']'), 1, 17, "nested too deeply"},
      {"{\r\n\"a\": 1,\r\n}", 2, 7, "a comma before '}' (JSON allows no trailing comma)"},
  };
  for (const Broken& c : kCases) {
    SCOPED_TRACE(c.text);
    const std::optional<JsonSyntaxError> error = FindJsonSyntaxError(c.text, kDepth);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->line, c.line);
    EXPECT_EQ(error->column, c.column);
    EXPECT_EQ(error->problem, c.problem);
    // Whatever the scanner refuses, simdjson refuses too: the location is never invented.
    EXPECT_FALSE(SimdjsonAccepts(c.text));
  }
}

TEST(JsonSyntaxTest, AcceptsWhatSimdjsonAccepts) {
  const std::string_view kValid[] = {
      "{}",
      "[]",
      " {\"a\": [1, -2.5e+3, 0, -0, 1E2, 0.1], \"b\": {\"c\": null}, \"d\": true} \n",
      "\"just a string\"",
      "18446744073709551615",
      "-9223372036854775808",
      "1e308",
      "1e-400",
      "{\"s\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"}",
      "{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\": \"\xf4\x8f\xbf\xbf\"}",
      "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}",
  };
  for (std::string_view text : kValid) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(SimdjsonAccepts(text));
    const std::optional<JsonSyntaxError> error = FindJsonSyntaxError(text, kDepth);
    EXPECT_FALSE(error.has_value()) << error->problem << " at " << error->offset;
  }
}

// Hostile nesting costs no recursion: a million brackets are refused at the bound.
TEST(JsonSyntaxTest, DeepNestingIsRefusedAtTheBound) {
  const std::string deep(1000000, '[');
  const std::optional<JsonSyntaxError> error = FindJsonSyntaxError(deep, kDepth);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, kDepth);
  EXPECT_EQ(error->problem, "nested too deeply");
  EXPECT_FALSE(
      FindJsonSyntaxError(std::string(kDepth, '[') + std::string(kDepth, ']'), kDepth).has_value());
}

}  // namespace
}  // namespace tokenwarden::base
