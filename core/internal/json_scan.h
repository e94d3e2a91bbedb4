// File: core/internal/json_scan.h
// -----------------------------------------------------------------------------
// The strict JSON walk (RFC 8259) under the claims reader: whitespace, strings with every
// escape and surrogate rule, the number grammar, literals, nesting at most kMaxJsonDepth. UTF-8
// validity is checked once, up front, by the caller, so the walk only looks at ASCII
// structure.
//
// Every function takes the position `p` in a text ending at `end` and returns where it
// stopped reading, or nullptr where the text is not what it reads. Pointer in, pointer out:
// the position stays in a register through a whole payload. (It used to live in a scanner
// object, and the compiler reloaded it after every view the reader stored, since a
// string_view's pointer may alias it: a chain of store-to-load latencies through the walk.)
#ifndef TOKENWARDEN_CORE_INTERNAL_JSON_SCAN_H_
#define TOKENWARDEN_CORE_INTERNAL_JSON_SCAN_H_

#include <cstddef>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tokenwarden::internal::json {

// SkipSpace skips JSON whitespace. Tokens are nearly always compact, so the usual case is one
// compare: every whitespace byte is <= ' '.
inline const char* SkipSpace(const char* p, const char* end) {
  while (p < end && static_cast<unsigned char>(*p) <= ' ' &&
         (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
    ++p;
  }
  return p;
}

// Is reports whether `p` is at `c`.
inline bool Is(const char* p, const char* end, char c) { return p < end && *p == c; }

// Expect skips whitespace and `c`; nullptr when something else comes first.
inline const char* Expect(const char* p, const char* end, char c) {
  p = SkipSpace(p, end);
  return Is(p, end, c) ? p + 1 : nullptr;
}

// PlainRun returns the first byte from `p` (at most `end`) that is not plain string content:
// a quote, a backslash or a control character. Sixteen bytes per step where SSE2 is there (it
// is part of x86-64), the last few one by one; never reads past `end`.
inline const char* PlainRun(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // max(v, 0x1f) == 0x1f exactly for the unsigned bytes <= 0x1f.
    const __m128i stop =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(_mm_max_epu8(v, max_control), max_control));
    const int mask = _mm_movemask_epi8(stop);
    if (mask != 0) {
      return p + __builtin_ctz(static_cast<unsigned>(mask));
    }
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) {
    ++p;
  }
  return p;
}

// EscapedString goes on with a string whose content began at `start` and whose plain run
// stopped at `p` (not at its closing quote). With `value`, decodes it into `unescaped` and
// views it there.
const char* EscapedString(const char* start, const char* p, const char* end,
                          std::string_view* value, std::string* unescaped);

// String reads a string whose opening quote is at `p`. With `value`, also its unescaped value:
// a view into the text when it has no escapes, else into `unescaped` (which the caller keeps
// from reallocating while views into it live).
inline const char* String(const char* p, const char* end, std::string_view* value,
                          std::string* unescaped) {
  if (!Is(p, end, '"')) {
    return nullptr;
  }
  const char* start = p + 1;
  p = PlainRun(start, end);
  if (Is(p, end, '"')) {
    if (value != nullptr) {
      *value = std::string_view(start, static_cast<size_t>(p - start));
    }
    return p + 1;
  }
  return EscapedString(start, p, end, value, unescaped);
}

// Number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, any magnitude.
const char* Number(const char* p, const char* end);

// Value reads any value; `depth` is the nesting of the container holding it (the top level's
// is 0).
const char* Value(const char* p, const char* end, size_t depth);

// Cursor holds a position for the helpers that walk a text a step at a time (none of them on
// the hot path): each step moves it, or returns false and leaves it where the step began.
class Cursor {
 public:
  Cursor(std::string_view text, std::string* unescaped)
      : p_(text.data()), end_(text.data() + text.size()), unescaped_(unescaped) {}

  void SkipSpace() { p_ = json::SkipSpace(p_, end_); }
  bool AtEnd() const { return p_ == end_; }
  bool Peek(char c) const { return Is(p_, end_, c); }
  bool Consume(char c) { return Step(Is(p_, end_, c) ? p_ + 1 : nullptr); }
  bool String(std::string_view* value) {
    return Step(json::String(p_, end_, value, value != nullptr ? unescaped_ : nullptr));
  }
  bool Value(size_t depth) { return Step(json::Value(p_, end_, depth)); }
  const char* position() const { return p_; }

 private:
  bool Step(const char* next) {
    if (next == nullptr) {
      return false;
    }
    p_ = next;
    return true;
  }

  const char* p_;
  const char* end_;
  std::string* unescaped_;
};

}  // namespace tokenwarden::internal::json

#endif  // TOKENWARDEN_CORE_INTERNAL_JSON_SCAN_H_
