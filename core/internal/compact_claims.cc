#include "core/internal/compact_claims.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/internal/claim_rules.h"
#include "core/internal/claim_values.h"
#include "core/internal/jose_json.h"
#include "core/internal/json_scan.h"
#include "core/internal/member_name.h"

namespace tokenwarden::internal {
namespace {

// Marks is what one pass over 64 bytes finds: where the quotes are (bit i: byte i), and
// whether any byte is a backslash or a control character (`stop`) or not ASCII (`high`).
struct Marks {
  uint64_t quotes = 0;
  bool stop = false;
  bool high = false;
};

Marks MarkBlock(const char* p) {
  Marks marks;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  __m128i stop = _mm_setzero_si128();
  __m128i high = _mm_setzero_si128();
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    // max(v, 0x1f) == 0x1f exactly for the unsigned bytes <= 0x1f.
    stop =
        _mm_or_si128(stop, _mm_or_si128(_mm_cmpeq_epi8(v, backslash),
                                        _mm_cmpeq_epi8(_mm_max_epu8(v, max_control), max_control)));
    high = _mm_or_si128(high, v);
    const auto bits = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    marks.quotes |= static_cast<uint64_t>(bits) << (16 * i);
  }
  marks.stop = _mm_movemask_epi8(stop) != 0;
  marks.high = _mm_movemask_epi8(high) != 0;
#else
  for (int i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    marks.quotes |= static_cast<uint64_t>(c == '"') << i;
    marks.stop = marks.stop || c == '\\' || c < 0x20;
    marks.high = marks.high || c >= 0x80;
  }
#endif
  return marks;
}

// MarkQuotes fills `quotes` with the quote marks of `json` (a bit per byte, 64 to a word) and
// reports whether the text has the fast path's shape: no backslash, no control character,
// valid UTF-8.
bool MarkQuotes(std::string_view json, std::vector<uint64_t>& quotes) {
  const size_t words = (json.size() + 63) / 64;
  if (quotes.size() < words) {
    quotes.resize(words);
  }
  bool stop = false;
  bool high = false;
  const size_t whole = json.size() / 64;
  for (size_t w = 0; w < whole; ++w) {
    const Marks marks = MarkBlock(json.data() + 64 * w);
    quotes[w] = marks.quotes;
    stop |= marks.stop;
    high |= marks.high;
  }
  if (const size_t rest = json.size() % 64; rest != 0) {
    Marks marks;
    if (whole > 0) {
      // The last 64 bytes: their first 64 - rest were marked already (checking them again
      // changes nothing), the quote bits of the new ones shift down into place.
      marks = MarkBlock(json.data() + json.size() - 64);
      marks.quotes >>= 64 - rest;
    } else {
      char block[64];
      std::memset(block, ' ', sizeof block);  // spaces: no quote, nothing to stop at
      std::memcpy(block, json.data(), rest);
      marks = MarkBlock(block);
    }
    quotes[whole] = marks.quotes;
    stop |= marks.stop;
    high |= marks.high;
  }
  return !stop && (!high || simdjson::validate_utf8(json.data(), json.size()));
}

// CompactText reads a text MarkQuotes accepted. Every function takes a position `p` and
// returns the position after what it read, or nullptr where it does not take the text.
//
// With no backslash in the text, every quote opens or closes a string, and the reader meets
// the strings in text order (nothing else it reads can hold a quote). So the quote marks are
// consumed in order, two per string, by a cursor: a string's end costs a bit scan, not a
// search from its start.
class CompactText {
 public:
  CompactText(std::string_view json, const std::vector<uint64_t>& quotes)
      : begin_(json.data()),
        end_(json.data() + json.size()),
        quotes_(quotes.data()),
        words_((json.size() + 63) / 64),
        bits_(words_ != 0 ? quotes_[0] : 0) {}

  const char* end() const { return end_; }

  bool Is(const char* p, char c) const { return p < end_ && *p == c; }

  // At skips spaces to `c` and past it; nullptr when something else comes first. Compact
  // text has no spaces there: one compare.
  const char* At(const char* p, char c) const {
    if (p < end_ && *p == c) {
      return p + 1;
    }
    p = Spaces(p);
    return Is(p, c) ? p + 1 : nullptr;
  }
  // After skips spaces after a value and says which of `a` and `b` follows ('\0': neither).
  char After(const char*& p, char a, char b) const {
    if (p < end_ && *p != ' ') {
      const char c = *p;
      return c == a || c == b ? c : '\0';
    }
    p = Spaces(p);
    return Is(p, a) ? a : Is(p, b) ? b : '\0';
  }
  // Lead skips spaces before a value (none in compact text).
  const char* Lead(const char* p) const { return Is(p, ' ') ? Spaces(p) : p; }

  // Spaces skips whitespace, which in this text can only be spaces (the others are control
  // characters).
  const char* Spaces(const char* p) const {
    while (p < end_ && *p == ' ') {
      ++p;
    }
    return p;
  }

  // String reads the string whose opening quote is at `p` into `content`: the next two quote
  // marks, the first of which must be `p`'s (else a quote was met outside a string: not
  // JSON). With no backslash in the text, it holds nothing to check.
  const char* String(const char* p, std::string_view& content) {
    const char* open = PopQuote();
    const char* close = PopQuote();
    if (open != p || close == nullptr) {
      return nullptr;
    }
    content = std::string_view(p + 1, static_cast<size_t>(close - p - 1));
    return close + 1;
  }

  // Value reads any value; `depth` is the nesting of the container holding it, as
  // json::Value counts it.
  const char* Value(const char* p, size_t depth) {
    if (p >= end_) {
      return nullptr;
    }
    std::string_view content;
    switch (*p) {
      case '"':
        return String(p, content);
      case '{':
        return Container(p, depth + 1, '}', true);
      case '[':
        return Container(p, depth + 1, ']', false);
      default:
        return json::Value(p, end_, depth);  // a number or a literal
    }
  }

 private:
  // PopQuote returns the next quote mark not consumed yet, or nullptr.
  const char* PopQuote() {
    while (bits_ == 0) {
      if (++word_ >= words_) {
        return nullptr;
      }
      bits_ = quotes_[word_];
    }
    const char* at = begin_ + 64 * word_ + std::countr_zero(bits_);
    bits_ &= bits_ - 1;
    return at;
  }

  const char* Container(const char* p, size_t depth, char closer, bool object) {
    if (depth > kMaxJsonDepth) {
      return nullptr;
    }
    p = Lead(p + 1);
    if (Is(p, closer)) {
      return p + 1;
    }
    while (true) {
      if (object) {
        std::string_view name;
        if (!Is(p, '"') || (p = String(p, name)) == nullptr || (p = At(p, ':')) == nullptr) {
          return nullptr;
        }
        p = Lead(p);
      }
      if ((p = Value(p, depth)) == nullptr) {
        return nullptr;
      }
      const char next = After(p, ',', closer);
      if (next == closer) {
        return p + 1;
      }
      if (next != ',') {
        return nullptr;
      }
      p = Lead(p + 1);
    }
  }

  const char* begin_;
  const char* end_;
  const uint64_t* quotes_;
  size_t words_;
  size_t word_ = 0;  // the cursor: the word of the next quote mark, and its marks left
  uint64_t bits_;
};

// CompactClaims types the claims of a CompactText as the byte walk's ClaimReader does, and
// gives up where that one would fail or take a path this one leaves to it.
class CompactClaims {
 public:
  CompactClaims(CompactText& text, Claims& out, ClaimsStorage& storage)
      : text_(text), out_(out), storage_(storage) {}

  // Read reads a typed claim's value. Compares, not a switch: a jump table's one indirect
  // branch mispredicts as member orders vary between tokens.
  const char* Read(const char* p, const ClaimRule& rule) {
    const ClaimKind kind = rule.kind;
    if (kind == ClaimKind::kText) {
      return Text(p, out_.*(rule.text));
    }
    if (kind == ClaimKind::kDate) {
      return Date(p, out_.*(rule.date));
    }
    if (kind == ClaimKind::kAudience) {
      out_.has_aud = true;
      return List(p, storage_.aud, nullptr, false);
    }
    if (kind == ClaimKind::kScope || kind == ClaimKind::kScp) {
      return List(p, storage_.scopes, kind == ClaimKind::kScope ? &out_.scope : nullptr, true);
    }
    return Confirmation(p);  // kConfirmation, the last kind
  }

 private:
  // Date takes only a whole number WholeDigits reads, without a leading zero or a fraction or
  // exponent after it. Anything else is the byte walk's.
  const char* Date(const char* p, std::optional<double>& out) {
    double value = 0;
    const char* q = WholeDigits(p, text_.end(), value);
    if (q == nullptr || (*p == '0' && q - p > 1) || text_.Is(q, '.') || text_.Is(q, 'e') ||
        text_.Is(q, 'E')) {
      return nullptr;
    }
    out = value;
    return q;
  }

  const char* Text(const char* p, std::optional<std::string_view>& out) {
    std::string_view value;
    if (!text_.Is(p, '"') || (p = text_.String(p, value)) == nullptr) {
      return nullptr;
    }
    out = value;
    return p;
  }

  const char* List(const char* p, std::vector<std::string_view>& out,
                   std::optional<std::string_view>* whole, bool split) {
    std::string_view value;
    if (text_.Is(p, '"')) {
      if ((p = text_.String(p, value)) == nullptr) {
        return nullptr;
      }
      AddListString(value, out, whole, split);
      return p;
    }
    if (!text_.Is(p, '[')) {
      return nullptr;
    }
    p = text_.Spaces(p + 1);
    if (text_.Is(p, ']')) {
      return p + 1;
    }
    while (true) {
      if (!text_.Is(p, '"') || (p = text_.String(p, value)) == nullptr) {
        return nullptr;
      }
      out.push_back(value);
      p = text_.Spaces(p);
      if (text_.Is(p, ']')) {
        return p + 1;
      }
      if (!text_.Is(p, ',')) {
        return nullptr;
      }
      p = text_.Spaces(p + 1);
    }
  }

  const char* Confirmation(const char* p) {
    const char* after = text_.Is(p, '{') ? text_.Value(p, 1) : nullptr;
    if (after != nullptr) {
      out_.cnf = std::string_view(p, static_cast<size_t>(after - p));
    }
    return after;
  }

  CompactText& text_;
  Claims& out_;
  ClaimsStorage& storage_;
};

}  // namespace

bool ReadCompactClaims(std::string_view json, Claims& out, ClaimsStorage& storage) {
  if (json.size() > kMaxCompactText || !MarkQuotes(json, storage.quote_marks)) {
    return false;
  }
  CompactText text(json, storage.quote_marks);
  CompactClaims claims(text, out, storage);
  const char* p = text.Spaces(json.data());
  if (!text.Is(p, '{')) {
    return false;
  }
  p = text.Spaces(p + 1);
  if (text.Is(p, '}')) {
    return text.Spaces(p + 1) == text.end();
  }
  while (true) {
    std::string_view name;
    if (!text.Is(p, '"') || (p = text.String(p, name)) == nullptr) {
      return false;
    }
    if ((p = text.At(p, ':')) == nullptr) {
      return false;
    }
    p = text.Lead(p);
    const NameKey key = NameKey::Of(name, text.end());
    storage.seen.Add(name, key);
    const ClaimRule* rule = FindClaimRule(name, key.key);
    const char* value = p;
    p = rule == nullptr ? text.Value(p, 1) : claims.Read(p, *rule);
    if (p == nullptr) {
      return false;
    }
    storage.members.push_back(
        ClaimMember{name, std::string_view(value, static_cast<size_t>(p - value))});
    const char next = text.After(p, ',', '}');
    if (next == '}') {
      return text.Spaces(p + 1) == text.end();
    }
    if (next != ',') {
      return false;
    }
    p = text.Lead(p + 1);
  }
}

}  // namespace tokenwarden::internal
