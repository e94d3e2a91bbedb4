#include "base/json_syntax.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace tokenwarden::base {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Scanner walks one JSON text with an explicit stack of open containers ('{' or '['), so
// hostile nesting costs no recursion. Each Read* method consumes one piece at `i_` and
// returns false after recording the first error.
class Scanner {
 public:
  Scanner(std::string_view text, size_t max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> Run();

 private:
  bool Fail(size_t at, std::string_view problem) {
    error_at_ = at;
    problem_ = problem;
    return false;
  }
  bool AtEnd() const { return i_ >= s_.size(); }
  void SkipWhitespace() {
    // RFC 8259 §2: space, tab, line feed and carriage return only.
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool ReadValue(bool& opened);
  bool ReadAfterValue(bool& value_due);
  bool ReadMemberName();
  bool ReadString();
  bool ReadEscape();
  bool ReadUtf8();
  bool ReadNumber();
  bool ReadLiteral();
  // Unicode reads the four hex digits of a \u escape at `at` (just past "\u").
  bool Unicode(size_t at, unsigned& unit);
  JsonSyntaxError Locate() const;

  std::string_view s_;
  size_t max_depth_;
  size_t i_ = 0;
  std::vector<char> open_;
  size_t error_at_ = 0;
  std::string_view problem_;
};

std::optional<JsonSyntaxError> Scanner::Run() {
  SkipWhitespace();
  if (AtEnd()) {
    Fail(i_, "no JSON value: the text is empty");
    return Locate();
  }
  bool expect_value = true;
  while (true) {
    SkipWhitespace();
    if (expect_value) {
      bool opened = false;
      if (!ReadValue(opened)) {
        return Locate();
      }
      // A container just opened is either empty (closed at once, handled by ReadValue) or
      // wants its first item; anything else was a whole value.
      expect_value = opened;
      continue;
    }
    if (open_.empty()) {
      if (AtEnd()) {
        return std::nullopt;
      }
      Fail(i_, "more text after the JSON value");
      return Locate();
    }
    // After a ',' a value is due; after a closing bracket the enclosing container goes on.
    if (!ReadAfterValue(expect_value)) {
      return Locate();
    }
  }
}

// ReadValue reads a scalar, or opens a container (`opened`) and reads up to its first value:
// an object's first member name and ':', or nothing for an array. An empty container is
// opened and closed here.
bool Scanner::ReadValue(bool& opened) {
  if (AtEnd()) {
    return Fail(i_, "the text ends where a value is expected");
  }
  const char c = s_[i_];
  if (c != '{' && c != '[') {
    opened = false;
    if (c == '"') {
      return ReadString();
    }
    if (c == '-' || IsDigit(c)) {
      return ReadNumber();
    }
    return ReadLiteral();
  }
  if (open_.size() >= max_depth_) {
    return Fail(i_, "nested too deeply");
  }
  open_.push_back(c);
  ++i_;
  SkipWhitespace();
  const char close = c == '{' ? '}' : ']';
  if (!AtEnd() && s_[i_] == close) {
    open_.pop_back();
    ++i_;
    opened = false;
    return true;
  }
  opened = true;
  return c == '[' || ReadMemberName();
}

// ReadAfterValue reads what follows a value inside a container: ',' and, in an object, the
// next member name and ':' (then `value_due`); or the closing bracket.
bool Scanner::ReadAfterValue(bool& value_due) {
  value_due = false;
  const bool object = open_.back() == '{';
  if (AtEnd()) {
    return Fail(i_, object ? "the text ends inside an object: '}' is missing"
                           : "the text ends inside an array: ']' is missing");
  }
  const char c = s_[i_];
  if (c == (object ? '}' : ']')) {
    open_.pop_back();
    ++i_;
    return true;
  }
  if (c != ',') {
    return Fail(i_, object ? "expected ',' or '}' after an object member"
                           : "expected ',' or ']' after an array item");
  }
  const size_t comma = i_++;
  value_due = true;
  SkipWhitespace();
  if (!AtEnd() && s_[i_] == (object ? '}' : ']')) {
    return Fail(comma, object ? "a comma before '}' (JSON allows no trailing comma)"
                              : "a comma before ']' (JSON allows no trailing comma)");
  }
  return !object || ReadMemberName();
}

bool Scanner::ReadMemberName() {
  if (AtEnd()) {
    return Fail(i_, "the text ends inside an object: '}' is missing");
  }
  if (s_[i_] != '"') {
    return Fail(i_, "expected a member name in double quotes");
  }
  if (!ReadString()) {
    return false;
  }
  SkipWhitespace();
  if (AtEnd() || s_[i_] != ':') {
    return Fail(i_, "expected ':' after the member name");
  }
  ++i_;
  return true;
}

bool Scanner::ReadString() {
  const size_t start = i_++;
  while (!AtEnd()) {
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c == '"') {
      ++i_;
      return true;
    }
    if (c == '\\') {
      if (!ReadEscape()) {
        return false;
      }
    } else if (c < 0x20) {
      return Fail(i_, "a control character inside a string (write it as an escape, e.g. \\n)");
    } else if (c >= 0x80) {
      if (!ReadUtf8()) {
        return false;
      }
    } else {
      ++i_;
    }
  }
  return Fail(start, "a string that is never closed");
}

bool Scanner::Unicode(size_t at, unsigned& unit) {
  unit = 0;
  for (size_t k = 0; k < 4; ++k) {
    if (at + k >= s_.size() || !IsHexDigit(s_[at + k])) {
      return false;
    }
    const char h = s_[at + k];
    unit = unit * 16 + static_cast<unsigned>(IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
  }
  return true;
}

bool Scanner::ReadEscape() {
  const size_t start = i_;
  if (i_ + 1 >= s_.size()) {
    return Fail(start, "a string that is never closed");
  }
  const char e = s_[i_ + 1];
  if (e != 'u') {
    if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
      return Fail(start, "an invalid escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
    i_ += 2;
    return true;
  }
  unsigned unit = 0;
  if (!Unicode(i_ + 2, unit)) {
    return Fail(start, "\\u must be followed by four hex digits");
  }
  i_ += 6;
  // RFC 8259 §7: outside the Basic Multilingual Plane a character is a surrogate pair.
  if (unit >= 0xdc00 && unit <= 0xdfff) {
    return Fail(start, "a \\u escape of a low surrogate without a high one before it");
  }
  if (unit >= 0xd800 && unit <= 0xdbff) {
    unsigned low = 0;
    if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u' || !Unicode(i_ + 2, low) ||
        low < 0xdc00 || low > 0xdfff) {
      return Fail(start, "a \\u escape of a high surrogate without a low one after it");
    }
    i_ += 6;
  }
  return true;
}

// ReadUtf8 checks one multi-byte UTF-8 sequence (RFC 3629 §4): no overlong forms, no
// surrogates, nothing beyond U+10FFFF.
bool Scanner::ReadUtf8() {
  const auto b = [&](size_t k) {
    return i_ + k < s_.size() ? static_cast<unsigned char>(s_[i_ + k]) : 0u;
  };
  const unsigned lead = b(0);
  size_t len = 0;
  unsigned min_second = 0x80, max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3;
    min_second = lead == 0xe0 ? 0xa0 : 0x80;
    max_second = lead == 0xed ? 0x9f : 0xbf;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4;
    min_second = lead == 0xf0 ? 0x90 : 0x80;
    max_second = lead == 0xf4 ? 0x8f : 0xbf;
  } else {
    return Fail(i_, "invalid UTF-8");
  }
  bool ok = b(1) >= min_second && b(1) <= max_second;
  for (size_t k = 2; k < len; ++k) {
    ok = ok && (b(k) & 0xc0) == 0x80;
  }
  if (!ok) {
    return Fail(i_, "invalid UTF-8");
  }
  i_ += len;
  return true;
}

bool Scanner::ReadNumber() {
  const size_t start = i_;
  const bool negative = s_[i_] == '-';
  i_ += negative ? 1 : 0;
  const size_t int_start = i_;
  while (!AtEnd() && IsDigit(s_[i_])) {
    ++i_;
  }
  const size_t int_len = i_ - int_start;
  if (int_len == 0) {
    return Fail(start, "a number needs a digit here");
  }
  if (int_len > 1 && s_[int_start] == '0') {
    return Fail(start, "a number with a leading zero");
  }
  bool integer = true;
  for (const char mark : {'.', 'e'}) {
    if (AtEnd() || (mark == '.' ? s_[i_] != '.' : s_[i_] != 'e' && s_[i_] != 'E')) {
      continue;
    }
    integer = false;
    ++i_;
    if (mark == 'e' && !AtEnd() && (s_[i_] == '+' || s_[i_] == '-')) {
      ++i_;
    }
    const size_t digits = i_;
    while (!AtEnd() && IsDigit(s_[i_])) {
      ++i_;
    }
    if (i_ == digits) {
      return Fail(i_, mark == '.' ? "a digit must follow the decimal point"
                                  : "a digit must follow the exponent");
    }
  }
  const std::string_view digits = s_.substr(int_start, int_len);
  if (integer) {
    // simdjson reads integers as int64 or uint64 and refuses anything wider.
    const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
      return Fail(start, "an integer beyond 64 bits");
    }
    return true;
  }
  // RFC 8259 §6 allows any magnitude; simdjson refuses what overflows a double.
  const std::string number(s_.substr(start, i_ - start));
  const double value = std::strtod(number.c_str(), nullptr);
  if (std::isinf(value)) {
    return Fail(start, "a number beyond the range of a double");
  }
  return true;
}

bool Scanner::ReadLiteral() {
  for (const std::string_view literal : {"true", "false", "null"}) {
    if (s_.substr(i_, literal.size()) == literal) {
      i_ += literal.size();
      return true;
    }
  }
  return Fail(i_, "expected a value: an object, array, string, number, true, false or null");
}

JsonSyntaxError Scanner::Locate() const {
  JsonSyntaxError error;
  error.offset = error_at_;
  error.problem = problem_;
  for (size_t k = 0; k < error_at_ && k < s_.size(); ++k) {
    if (s_[k] == '\n') {
      ++error.line;
      error.column = 1;
    } else if ((static_cast<unsigned char>(s_[k]) & 0xc0) != 0x80) {
      ++error.column;
    }
  }
  return error;
}

}  // namespace

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view json, size_t max_depth) {
  return Scanner(json, max_depth).Run();
}

}  // namespace tokenwarden::base
