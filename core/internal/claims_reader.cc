#include "core/internal/claims_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>

#include <simdjson.h>

#include "core/internal/claim_rules.h"
#include "core/internal/claim_values.h"
#include "core/internal/compact_claims.h"
#include "core/internal/jose_json.h"
#include "core/internal/json_scan.h"

namespace tokenwarden::internal {
namespace {

// ClaimReader types one member's value as its claim rule asks, or checks it and keeps it as
// text. Its methods read the value at `p` and return the position after it; nullptr with
// `detail` set when the value is malformed or of the wrong type.
class ClaimReader {
 public:
  ClaimReader(const char* end, Claims& out, ClaimsStorage& storage, std::string_view& detail)
      : end_(end), out_(out), storage_(storage), detail_(detail) {}

  // Read reads the value of member `name` (`key` its NameKey).
  const char* Read(const char* p, std::string_view name, uint64_t key) {
    const ClaimRule* rule = FindClaimRule(name, key);
    if (rule == nullptr) {
      return Checked(json::Value(p, end_, 1));
    }
    switch (rule->kind) {
      case ClaimKind::kDate:
        return Date(p, out_.*(rule->date), rule->why);
      case ClaimKind::kText:
        return Text(p, out_.*(rule->text), rule->why);
      case ClaimKind::kAudience:
        out_.has_aud = true;
        return List(p, storage_.aud, nullptr, false, rule->why);
      case ClaimKind::kScope:
        return List(p, storage_.scopes, &out_.scope, true, rule->why);
      case ClaimKind::kScp:
        return List(p, storage_.scopes, nullptr, true, rule->why);
      case ClaimKind::kConfirmation:
        return Confirmation(p, rule->why);
    }
    return Syntax();  // every kind is handled above
  }

  // Syntax fails the read: the text is not strict JSON.
  std::nullptr_t Syntax() {
    detail_ = kJsonSyntaxDetail;
    return nullptr;
  }
  // Checked passes a walk's result on, failing the read as Syntax where it failed.
  const char* Checked(const char* p) { return p != nullptr ? p : Syntax(); }

 private:
  // Fail fails the read: valid JSON, but the claim has the wrong type (`why`).
  std::nullptr_t Fail(std::string_view why) {
    detail_ = why;
    return nullptr;
  }
  // WrongType fails with `why` when the value at `p` is valid JSON, else as Syntax.
  std::nullptr_t WrongType(const char* p, size_t depth, std::string_view why) {
    return json::Value(p, end_, depth) != nullptr ? Fail(why) : Syntax();
  }
  // Confirmation keeps `cnf` (RFC 7800) as its exact text; it must be an object.
  const char* Confirmation(const char* p, std::string_view why) {
    if (!json::Is(p, end_, '{')) {
      return WrongType(p, 1, why);
    }
    const char* after = Checked(json::Value(p, end_, 1));
    if (after != nullptr) {
      out_.cnf = std::string_view(p, static_cast<size_t>(after - p));
    }
    return after;
  }
  const char* Date(const char* p, std::optional<double>& out, std::string_view why) {
    if (p < end_ && (*p == '"' || *p == '{' || *p == '[' || *p == 't' || *p == 'f' || *p == 'n')) {
      return WrongType(p, 1, why);
    }
    const char* after = json::Number(p, end_);
    if (after == nullptr) {
      return Syntax();
    }
    double value = 0;
    if (WholeDigits(p, after, value) == after) {
      out = value;
      return after;
    }
    const auto [stop, ec] = std::from_chars(p, after, value);
    if (ec != std::errc() || stop != after) {
      return Fail(why);  // beyond a double (1e400): no meaningful time
    }
    out = value;
    return after;
  }
  const char* Text(const char* p, std::optional<std::string_view>& out, std::string_view why) {
    if (!json::Is(p, end_, '"')) {
      return WrongType(p, 1, why);
    }
    std::string_view value;
    p = Checked(json::String(p, end_, &value, &storage_.unescaped));
    if (p != nullptr) {
      out = value;
    }
    return p;
  }
  // List reads a string (split on spaces when `split`; also stored in `whole`) or an array
  // of strings, each item one value.
  const char* List(const char* p, std::vector<std::string_view>& out,
                   std::optional<std::string_view>* whole, bool split, std::string_view why) {
    std::string_view value;
    if (json::Is(p, end_, '"')) {
      p = Checked(json::String(p, end_, &value, &storage_.unescaped));
      if (p == nullptr) {
        return nullptr;
      }
      AddListString(value, out, whole, split);
      return p;
    }
    if (!json::Is(p, end_, '[')) {
      return WrongType(p, 1, why);
    }
    p = json::SkipSpace(p + 1, end_);
    if (json::Is(p, end_, ']')) {
      return p + 1;
    }
    while (true) {
      if (!json::Is(p, end_, '"')) {
        return WrongType(p, 2, why);
      }
      p = Checked(json::String(p, end_, &value, &storage_.unescaped));
      if (p == nullptr) {
        return nullptr;
      }
      out.push_back(value);
      p = json::SkipSpace(p, end_);
      if (json::Is(p, end_, ']')) {
        return p + 1;
      }
      if (!json::Is(p, end_, ',')) {
        return Syntax();
      }
      p = json::SkipSpace(p + 1, end_);
    }
  }

  const char* end_;
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

// ReadMembers reads the members of the object whose '{' is just before `p`, through its
// closing '}'; returns the position after it, or nullptr with `detail` set.
const char* ReadMembers(const char* p, std::string_view json, ClaimReader& reader,
                        ClaimsStorage& storage) {
  const char* const end = json.data() + json.size();
  p = json::SkipSpace(p, end);
  if (json::Is(p, end, '}')) {
    return p + 1;
  }
  while (true) {
    std::string_view name;
    p = json::String(p, end, &name, &storage.unescaped);
    if (p == nullptr || (p = json::Expect(p, end, ':')) == nullptr) {
      return reader.Syntax();
    }
    p = json::SkipSpace(p, end);
    const NameKey key = NameKey::Of(name, ReadableEnd(name, json));
    storage.seen.Add(name, key);
    const char* value_start = p;
    p = reader.Read(p, name, key.key);
    if (p == nullptr) {
      return nullptr;
    }
    storage.members.push_back(
        ClaimMember{name, std::string_view(value_start, static_cast<size_t>(p - value_start))});
    p = json::SkipSpace(p, end);
    if (json::Is(p, end, '}')) {
      return p + 1;
    }
    if (!json::Is(p, end, ',')) {
      return reader.Syntax();
    }
    p = json::SkipSpace(p + 1, end);
  }
}

// Begin empties `out` and `storage` for a read of `json`.
void Begin(std::string_view json, Claims& out, ClaimsStorage& storage) {
  out = Claims{};
  storage.aud.clear();
  storage.scopes.clear();
  storage.members.clear();
  storage.unescaped.clear();
  storage.unescaped.reserve(json.size());
  storage.seen.Begin();
}

// Finish checks a whole, well-formed object's names for repeats and hands `out` its arrays.
Error Finish(Claims& out, ClaimsStorage& storage, std::string_view& detail) {
  if (storage.seen.maybe_repeated() && HasRepeatedName(storage)) {
    detail = "the JWT payload repeats a claim name";
    return Error::kMalformed;
  }
  out.aud = storage.aud;
  out.scopes = storage.scopes;
  out.members = storage.members;
  return Error::kOk;
}

}  // namespace

Error ReadClaimsJson(std::string_view json, Claims& out, ClaimsStorage& storage,
                     std::string_view& detail) {
  ++storage.reads;
  Begin(json, out, storage);
  if (!storage.byte_walk_only) {
    if (ReadCompactClaims(json, out, storage)) {
      return Finish(out, storage, detail);
    }
    Begin(json, out, storage);  // the byte walk starts from scratch
  }
  const char* const end = json.data() + json.size();
  ClaimReader reader(end, out, storage, detail);
  if (!simdjson::validate_utf8(json.data(), json.size())) {
    reader.Syntax();
    return Error::kMalformed;
  }
  const char* p = json::SkipSpace(json.data(), end);
  if (!json::Is(p, end, '{')) {
    p = json::Value(p, end, 0);
    if (p == nullptr || json::SkipSpace(p, end) != end) {
      reader.Syntax();
      return Error::kMalformed;
    }
    detail = "the JWT payload is not a JSON object";
    return Error::kMalformed;
  }
  p = ReadMembers(p + 1, json, reader, storage);
  if (p == nullptr) {
    return Error::kMalformed;
  }
  if (json::SkipSpace(p, end) != end) {
    reader.Syntax();
    return Error::kMalformed;
  }
  return Finish(out, storage, detail);
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
  json::Cursor scan(text, &buffer);
  std::string_view value;
  return scan.String(&value) ? value : std::string_view();
}

bool JoinStringArray(std::string_view text, std::string& buffer) {
  buffer.clear();
  // Only strings with escapes are decoded into `unescaped`; the others are views of `text`,
  // so the usual array (no escapes) allocates nothing here.
  std::string unescaped;
  json::Cursor scan(text, &unescaped);
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
  json::Cursor scan(value, &unescaped);
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
  json::Cursor scan(object, &scratch);
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
