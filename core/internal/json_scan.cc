#include "core/internal/json_scan.h"

#include <cstdint>
#include <cstring>

#include "base/hex.h"
#include "core/internal/jose_json.h"

namespace tokenwarden::internal::json {
namespace {

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Hex4 reads four hex digits at `p` into `unit`.
const char* Hex4(const char* p, const char* end, uint32_t& unit) {
  if (end - p < 4) {
    return nullptr;
  }
  unit = 0;
  for (int i = 0; i < 4; ++i) {
    const int v = base::HexDigitValue(*p++);
    if (v < 0) {
      return nullptr;
    }
    unit = unit << 4 | static_cast<uint32_t>(v);
  }
  return p;
}

// Escape reads one escape at `p` (the backslash), appending its value to `out` when given; a
// lone or reversed surrogate is refused.
const char* Escape(const char* p, const char* end, std::string* out) {
  ++p;
  if (p >= end) {
    return nullptr;
  }
  const char e = *p++;
  char plain = 0;
  switch (e) {
    case '"':
    case '\\':
    case '/':
      plain = e;
      break;
    case 'b':
      plain = '\b';
      break;
    case 'f':
      plain = '\f';
      break;
    case 'n':
      plain = '\n';
      break;
    case 'r':
      plain = '\r';
      break;
    case 't':
      plain = '\t';
      break;
    case 'u':
      break;
    default:
      return nullptr;
  }
  if (e != 'u') {
    if (out != nullptr) {
      out->push_back(plain);
    }
    return p;
  }
  uint32_t cp = 0;
  p = Hex4(p, end, cp);
  if (p == nullptr || (cp >= 0xDC00 && cp <= 0xDFFF)) {
    return nullptr;
  }
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low = 0;
    if (!Is(p, end, '\\') || !Is(p + 1, end, 'u')) {
      return nullptr;
    }
    p = Hex4(p + 2, end, low);
    if (p == nullptr || low < 0xDC00 || low > 0xDFFF) {
      return nullptr;
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (out != nullptr) {
    AppendUtf8(cp, *out);
  }
  return p;
}

const char* Digits(const char* p, const char* end) {
  const char* start = p;
  while (p < end && *p >= '0' && *p <= '9') {
    ++p;
  }
  return p > start ? p : nullptr;
}

const char* Literal(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0) {
    return nullptr;
  }
  return p + word.size();
}

// Container reads an object (`object`) or array whose opener is at `p`.
const char* Container(const char* p, const char* end, size_t depth, char closer, bool object) {
  if (depth > kMaxJsonDepth) {
    return nullptr;
  }
  p = SkipSpace(p + 1, end);
  if (Is(p, end, closer)) {
    return p + 1;
  }
  while (true) {
    if (object) {
      p = String(p, end, nullptr, nullptr);
      if (p == nullptr || (p = Expect(p, end, ':')) == nullptr) {
        return nullptr;
      }
      p = SkipSpace(p, end);
    }
    p = Value(p, end, depth);
    if (p == nullptr) {
      return nullptr;
    }
    p = SkipSpace(p, end);
    if (Is(p, end, closer)) {
      return p + 1;
    }
    if (!Is(p, end, ',')) {
      return nullptr;
    }
    p = SkipSpace(p + 1, end);
  }
}

}  // namespace

const char* EscapedString(const char* start, const char* p, const char* end,
                          std::string_view* value, std::string* unescaped) {
  // Decode from the start into the buffer when the value is wanted.
  std::string* out = value != nullptr ? unescaped : nullptr;
  const size_t from = out != nullptr ? out->size() : 0;
  if (out != nullptr) {
    out->append(start, static_cast<size_t>(p - start));
  }
  while (p < end && *p != '"') {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c < 0x20) {
      return nullptr;
    }
    if (c != '\\') {
      if (out != nullptr) {
        out->push_back(static_cast<char>(c));
      }
      ++p;
      continue;
    }
    p = Escape(p, end, out);
    if (p == nullptr) {
      return nullptr;
    }
  }
  if (!Is(p, end, '"')) {
    return nullptr;
  }
  if (value != nullptr) {
    *value = std::string_view(out->data() + from, out->size() - from);
  }
  return p + 1;
}

const char* Number(const char* p, const char* end) {
  if (Is(p, end, '-')) {
    ++p;
  }
  if (Is(p, end, '0')) {
    ++p;
  } else if ((p = Digits(p, end)) == nullptr) {
    return nullptr;
  }
  if (Is(p, end, '.') && (p = Digits(p + 1, end)) == nullptr) {
    return nullptr;
  }
  if (Is(p, end, 'e') || Is(p, end, 'E')) {
    ++p;
    if (Is(p, end, '+') || Is(p, end, '-')) {
      ++p;
    }
    return Digits(p, end);
  }
  return p;
}

const char* Value(const char* p, const char* end, size_t depth) {
  if (p >= end) {
    return nullptr;
  }
  switch (*p) {
    case '"':
      return String(p, end, nullptr, nullptr);
    case '{':
      return Container(p, end, depth + 1, '}', true);
    case '[':
      return Container(p, end, depth + 1, ']', false);
    case 't':
      return Literal(p, end, "true");
    case 'f':
      return Literal(p, end, "false");
    case 'n':
      return Literal(p, end, "null");
    default:
      return Number(p, end);
  }
}

}  // namespace tokenwarden::internal::json
