#include "core/internal/claims_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "base/hex.h"
#include "core/internal/claim_rules.h"
#include "core/internal/jose_json.h"

namespace tokenwarden::internal {
namespace {

// PlainRun returns how many bytes from `p` (at most to `end`) are plain string content: not a
// quote, a backslash or a control character. Sixteen bytes per step where SSE2 is there (it is
// part of x86-64), the last few one by one; never reads past `end`.
inline size_t PlainRun(const char* p, const char* end) {
  const char* const start = p;
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
      return static_cast<size_t>(p - start) + static_cast<size_t>(__builtin_ctz(mask));
    }
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) {
    ++p;
  }
  return static_cast<size_t>(p - start);
}

// WholeNumber reads a JSON number that is only digits, at most 15 of them, as an exact double
// (every such integer is one), sparing from_chars the common case of a time claim. Anything
// else — a sign, a fraction, an exponent, more digits — returns nullopt for from_chars.
inline std::optional<double> WholeNumber(const char* p, const char* end) {
  if (end - p > 15 || p == end) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (; p < end; ++p) {
    if (*p < '0' || *p > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint64_t>(*p - '0');
  }
  return static_cast<double>(value);
}

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

// AppendSpaceSeparated splits `s` on spaces (RFC 6749 §3.3 scope-tokens), skipping empties.
void AppendSpaceSeparated(std::string_view s, std::vector<std::string_view>& out) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t space = s.find(' ', i);
    const size_t end = space == std::string_view::npos ? s.size() : space;
    if (end > i) {
      out.push_back(s.substr(i, end - i));
    }
    i = end + 1;
  }
}

// Scanner walks one JSON text strictly (RFC 8259). UTF-8 validity is checked once up front,
// so the walk only looks at ASCII structure. Every method leaves `p_` after what it read and
// returns false on the first violation.
class Scanner {
 public:
  Scanner(std::string_view json, std::string* unescaped)
      : p_(json.data()), end_(json.data() + json.size()), unescaped_(unescaped) {}

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) {
      ++p_;
    }
  }
  bool AtEnd() const { return p_ == end_; }
  bool Peek(char c) const { return p_ < end_ && *p_ == c; }
  bool Consume(char c) {
    if (!Peek(c)) {
      return false;
    }
    ++p_;
    return true;
  }
  const char* position() const { return p_; }

  // String reads a string at `p_`; with `value`, also its unescaped value (a view into the
  // text when it has no escapes, else into `unescaped_`).
  bool String(std::string_view* value) {
    if (!Consume('"')) {
      return false;
    }
    const char* start = p_;
    p_ += PlainRun(p_, end_);
    if (Consume('"')) {
      if (value != nullptr) {
        *value = std::string_view(start, static_cast<size_t>(p_ - 1 - start));
      }
      return true;
    }
    // Escapes (or an error): decode from the start into the buffer.
    std::string* out = value != nullptr ? unescaped_ : nullptr;
    const size_t from = out != nullptr ? out->size() : 0;
    if (out != nullptr) {
      out->append(start, static_cast<size_t>(p_ - start));
    }
    while (p_ < end_ && *p_ != '"') {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c < 0x20) {
        return false;
      }
      if (c != '\\') {
        if (out != nullptr) {
          out->push_back(static_cast<char>(c));
        }
        ++p_;
        continue;
      }
      if (!Escape(out)) {
        return false;
      }
    }
    if (!Consume('"')) {
      return false;
    }
    if (value != nullptr) {
      *value = std::string_view(out->data() + from, out->size() - from);
    }
    return true;
  }

  // Number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, any magnitude.
  bool Number() {
    Consume('-');
    if (Consume('0')) {
    } else if (!Digits()) {
      return false;
    }
    if (Consume('.') && !Digits()) {
      return false;
    }
    if (Peek('e') || Peek('E')) {
      ++p_;
      if (!Consume('+')) {
        Consume('-');
      }
      if (!Digits()) {
        return false;
      }
    }
    return true;
  }

  // Value reads any value; `depth` is the nesting of the container holding it.
  bool Value(size_t depth) {
    if (p_ >= end_) {
      return false;
    }
    switch (*p_) {
      case '"':
        return String(nullptr);
      case '{':
        return Container(depth + 1, '}', true);
      case '[':
        return Container(depth + 1, ']', false);
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  // Container reads an object (`object`) or array whose opener is at `p_`.
  bool Container(size_t depth, char closer, bool object) {
    if (depth > kMaxJsonDepth) {
      return false;
    }
    ++p_;
    SkipSpace();
    if (Consume(closer)) {
      return true;
    }
    while (true) {
      if (object) {
        if (!String(nullptr)) {
          return false;
        }
        SkipSpace();
        if (!Consume(':')) {
          return false;
        }
        SkipSpace();
      }
      if (!Value(depth)) {
        return false;
      }
      SkipSpace();
      if (Consume(closer)) {
        return true;
      }
      if (!Consume(',')) {
        return false;
      }
      SkipSpace();
    }
  }

 private:
  bool Digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      ++p_;
    }
    return p_ > start;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }
  bool Hex4(uint32_t& unit) {
    if (end_ - p_ < 4) {
      return false;
    }
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = base::HexDigitValue(*p_++);
      if (v < 0) {
        return false;
      }
      unit = unit << 4 | static_cast<uint32_t>(v);
    }
    return true;
  }
  // Escape reads one escape at `p_` (the backslash); a lone or reversed surrogate is refused.
  bool Escape(std::string* out) {
    ++p_;
    if (p_ >= end_) {
      return false;
    }
    const char e = *p_++;
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
        return false;
    }
    if (e != 'u') {
      if (out != nullptr) {
        out->push_back(plain);
      }
      return true;
    }
    uint32_t cp = 0;
    if (!Hex4(cp) || (cp >= 0xDC00 && cp <= 0xDFFF)) {
      return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!Consume('\\') || !Consume('u') || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out != nullptr) {
      AppendUtf8(cp, *out);
    }
    return true;
  }

  const char* p_;
  const char* end_;
  std::string* unescaped_;
};

// ClaimReader types one member's value as the claim named `name` asks, or keeps it as text.
class ClaimReader {
 public:
  ClaimReader(Scanner& scan, Claims& out, ClaimsStorage& storage, std::string_view& detail)
      : scan_(scan), out_(out), storage_(storage), detail_(detail) {}

  // Read reads the value of member `name` (`key` its NameKey) at the scanner's position:
  // typed by its rule, or checked and kept as text. kMalformed with detail.
  Error Read(std::string_view name, uint64_t key) {
    const ClaimRule* rule = FindClaimRule(name, key);
    if (rule == nullptr) {
      return scan_.Value(1) ? Error::kOk : Syntax();
    }
    switch (rule->kind) {
      case ClaimKind::kDate:
        return Date(out_.*(rule->date), rule->why);
      case ClaimKind::kText:
        return Text(out_.*(rule->text), rule->why);
      case ClaimKind::kAudience:
        out_.has_aud = true;
        return List(storage_.aud, nullptr, false, rule->why);
      case ClaimKind::kScope:
        return List(storage_.scopes, &out_.scope, true, rule->why);
      case ClaimKind::kScp:
        return List(storage_.scopes, nullptr, true, rule->why);
      case ClaimKind::kConfirmation:
        return Confirmation(rule->why);
    }
    return Syntax();  // every kind is handled above
  }

  Error Syntax() { return Fail(kJsonSyntaxDetail); }

 private:
  // Confirmation keeps `cnf` (RFC 7800) as its exact text; it must be an object.
  Error Confirmation(std::string_view why) {
    const char* start = scan_.position();
    if (!scan_.Peek('{')) {
      return Fail(why);
    }
    if (!scan_.Value(1)) {
      return Syntax();
    }
    out_.cnf = std::string_view(start, static_cast<size_t>(scan_.position() - start));
    return Error::kOk;
  }
  Error Fail(std::string_view why) {
    detail_ = why;
    return Error::kMalformed;
  }
  Error Date(std::optional<double>& out, std::string_view why) {
    const char* start = scan_.position();
    if (scan_.Peek('"') || scan_.Peek('{') || scan_.Peek('[') || scan_.Peek('t') ||
        scan_.Peek('f') || scan_.Peek('n')) {
      return Fail(why);
    }
    if (!scan_.Number()) {
      return Syntax();
    }
    if (const std::optional<double> whole = WholeNumber(start, scan_.position())) {
      out = *whole;
      return Error::kOk;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(start, scan_.position(), value);
    if (ec != std::errc() || end != scan_.position()) {
      return Fail(why);  // beyond a double (1e400): no meaningful time
    }
    out = value;
    return Error::kOk;
  }
  Error Text(std::optional<std::string_view>& out, std::string_view why) {
    if (!scan_.Peek('"')) {
      return scan_.Value(1) ? Fail(why) : Syntax();
    }
    std::string_view value;
    if (!scan_.String(&value)) {
      return Syntax();
    }
    out = value;
    return Error::kOk;
  }
  // List reads a string (split on spaces when `split`; also stored in `whole`) or an array
  // of strings, each item one value.
  Error List(std::vector<std::string_view>& out, std::optional<std::string_view>* whole, bool split,
             std::string_view why) {
    std::string_view value;
    if (scan_.Peek('"')) {
      if (!scan_.String(&value)) {
        return Syntax();
      }
      if (whole != nullptr) {
        *whole = value;
      }
      if (split) {
        AppendSpaceSeparated(value, out);
      } else {
        out.push_back(value);
      }
      return Error::kOk;
    }
    if (!scan_.Consume('[')) {
      return scan_.Value(1) ? Fail(why) : Syntax();
    }
    scan_.SkipSpace();
    if (scan_.Consume(']')) {
      return Error::kOk;
    }
    while (true) {
      if (!scan_.Peek('"')) {
        return scan_.Value(2) ? Fail(why) : Syntax();
      }
      if (!scan_.String(&value)) {
        return Syntax();
      }
      out.push_back(value);
      scan_.SkipSpace();
      if (scan_.Consume(']')) {
        return Error::kOk;
      }
      if (!scan_.Consume(',')) {
        return Syntax();
      }
      scan_.SkipSpace();
    }
  }

  Scanner& scan_;
  Claims& out_;
  ClaimsStorage& storage_;
  std::string_view& detail_;
};

// ReadableEnd is how far NameKey::Of may read from `name`: to the end of `json` when the name
// is a view into it, else (a name with escapes, decoded elsewhere) to its own end.
const char* ReadableEnd(std::string_view name, std::string_view json) {
  const auto at = reinterpret_cast<uintptr_t>(name.data());
  const auto begin = reinterpret_cast<uintptr_t>(json.data());
  const bool inside = at >= begin && at - begin <= json.size();
  return inside ? json.data() + json.size() : name.data() + name.size();
}

// HasRepeatedName is the exact check behind a NameSeenFilter's maybe.
bool HasRepeatedName(ClaimsStorage& storage) {
  storage.names.clear();
  for (const ClaimMember& m : storage.members) {
    storage.names.push_back(m.name);
  }
  return HasDuplicateNames(storage.names, storage.sorted);
}

}  // namespace

Error ReadClaimsJson(std::string_view json, Claims& out, ClaimsStorage& storage,
                     std::string_view& detail) {
  ++storage.reads;
  out = Claims{};
  storage.aud.clear();
  storage.scopes.clear();
  storage.members.clear();
  storage.unescaped.clear();
  storage.unescaped.reserve(json.size());
  storage.seen.Begin();
  Scanner scan(json, &storage.unescaped);
  ClaimReader reader(scan, out, storage, detail);
  if (!simdjson::validate_utf8(json.data(), json.size())) {
    return reader.Syntax();
  }
  scan.SkipSpace();
  if (!scan.Consume('{')) {
    const bool json_ok = scan.Value(0) && (scan.SkipSpace(), scan.AtEnd());
    if (!json_ok) {
      return reader.Syntax();
    }
    detail = "the JWT payload is not a JSON object";
    return Error::kMalformed;
  }
  scan.SkipSpace();
  if (!scan.Consume('}')) {
    while (true) {
      std::string_view name;
      if (!scan.String(&name)) {
        return reader.Syntax();
      }
      scan.SkipSpace();
      if (!scan.Consume(':')) {
        return reader.Syntax();
      }
      scan.SkipSpace();
      const NameKey key = NameKey::Of(name, ReadableEnd(name, json));
      storage.seen.Add(name, key);
      const char* value_start = scan.position();
      if (const Error e = reader.Read(name, key.key); e != Error::kOk) {
        return e;
      }
      storage.members.push_back(ClaimMember{
          name, std::string_view(value_start, static_cast<size_t>(scan.position() - value_start))});
      scan.SkipSpace();
      if (scan.Consume('}')) {
        break;
      }
      if (!scan.Consume(',')) {
        return reader.Syntax();
      }
      scan.SkipSpace();
    }
  }
  scan.SkipSpace();
  if (!scan.AtEnd()) {
    return reader.Syntax();
  }
  if (storage.seen.maybe_repeated() && HasRepeatedName(storage)) {
    detail = "the JWT payload repeats a claim name";
    return Error::kMalformed;
  }
  out.aud = storage.aud;
  out.scopes = storage.scopes;
  out.members = storage.members;
  return Error::kOk;
}

std::string_view UnescapeJsonString(std::string_view text, std::string& buffer) {
  // Without a backslash the value is the text between the quotes (the text was validated
  // when the claims were read): no copy. The claim headers of every /validate answer.
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"' &&
      text.find('\\') == std::string_view::npos) {
    return text.substr(1, text.size() - 2);
  }
  buffer.clear();
  buffer.reserve(text.size());
  Scanner scan(text, &buffer);
  std::string_view value;
  return scan.String(&value) ? value : std::string_view();
}

bool JoinStringArray(std::string_view text, std::string& buffer) {
  buffer.clear();
  // Only strings with escapes are decoded into `unescaped`; the others are views of `text`,
  // so the usual array (no escapes) allocates nothing here.
  std::string unescaped;
  Scanner scan(text, &unescaped);
  if (!scan.Consume('[')) {
    return false;
  }
  scan.SkipSpace();
  if (scan.Consume(']')) {
    return true;
  }
  while (true) {
    std::string_view value;
    if (!scan.Peek('"') || !scan.String(&value)) {
      return false;
    }
    if (!buffer.empty()) {
      buffer.push_back(' ');
    }
    buffer.append(value);
    scan.SkipSpace();
    if (scan.Consume(']')) {
      return true;
    }
    if (!scan.Consume(',')) {
      return false;
    }
    scan.SkipSpace();
  }
}

bool ListGrants(std::string_view value, std::string_view item) {
  std::string unescaped;
  Scanner scan(value, &unescaped);
  std::string_view text;
  if (scan.Peek('"')) {
    if (!scan.String(&text)) {
      return false;
    }
    std::vector<std::string_view> words;
    AppendSpaceSeparated(text, words);
    return std::find(words.begin(), words.end(), item) != words.end();
  }
  if (!scan.Consume('[')) {
    return false;
  }
  scan.SkipSpace();
  while (scan.Peek('"')) {
    unescaped.clear();
    if (!scan.String(&text)) {
      return false;
    }
    if (text == item) {
      return true;
    }
    scan.SkipSpace();
    if (!scan.Consume(',')) {
      return false;
    }
    scan.SkipSpace();
  }
  return false;
}

std::optional<std::string_view> FindObjectMember(std::string_view object, std::string_view name,
                                                 std::string& scratch) {
  Scanner scan(object, &scratch);
  scan.SkipSpace();
  if (!scan.Consume('{')) {
    return std::nullopt;
  }
  scan.SkipSpace();
  while (scan.Peek('"')) {
    scratch.clear();
    std::string_view key;
    if (!scan.String(&key)) {
      return std::nullopt;
    }
    scan.SkipSpace();
    if (!scan.Consume(':')) {
      return std::nullopt;
    }
    scan.SkipSpace();
    const char* start = scan.position();
    if (!scan.Value(1)) {
      return std::nullopt;
    }
    if (key == name) {
      return std::string_view(start, static_cast<size_t>(scan.position() - start));
    }
    scan.SkipSpace();
    if (!scan.Consume(',')) {
      break;
    }
    scan.SkipSpace();
  }
  return std::nullopt;
}

void AppendCompactJson(std::string_view text, std::string& out) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out.push_back(c);
    }
  }
}

}  // namespace tokenwarden::internal
