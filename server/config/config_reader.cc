#include "server/config/config_reader.h"

#include <cstdlib>
#include <optional>
#include <unordered_set>

#include <absl/strings/match.h>

#include "base/json_escape.h"
#include "base/read_file.h"
#include "base/str_cat.h"

namespace tokenwarden::server::config_reader {
namespace {

using simdjson::dom::element_type;

// kMaxQuotedBytes bounds how much of a value a message repeats.
constexpr size_t kMaxQuotedBytes = 256;

}  // namespace

std::string FieldPath(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : base::StrCat(parent, ".", key);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return base::StrCat(parent, "[", index, "]");
}

std::string Quote(std::string_view value) {
  std::string out;
  const std::string_view shown = value.substr(0, kMaxQuotedBytes);
  // Every control character as \u00XX, DEL too: a message may end up on a terminal.
  base::AppendJsonQuoted(shown, out, {.short_forms = false, .escape_delete = true});
  if (shown.size() < value.size()) {
    out += "...";
  }
  return out;
}

absl::Status Invalid(std::string_view path, std::string_view problem) {
  return absl::InvalidArgumentError(
      base::StrCat(path.empty() ? std::string_view("(root)") : path, ": ", problem));
}

absl::Status UnknownField(std::string_view path, std::string_view key) {
  return Invalid(path, base::StrCat("unknown field ", Quote(key)));
}

absl::Status MissingField(std::string_view path, std::string_view key) {
  return Invalid(FieldPath(path, key), "required field is missing");
}

absl::Status CheckObject(element value, std::string_view path, simdjson::dom::object& out) {
  if (value.get_object().get(out) != simdjson::SUCCESS) {
    return Invalid(path, "must be an object");
  }
  // RFC 8259 §4 leaves duplicate names to the implementation; a configuration that says two
  // things about one field is a mistake, so it is rejected rather than resolved.
  std::unordered_set<std::string_view> seen;
  for (auto it = out.begin(); it != out.end(); ++it) {
    if (!seen.insert(it.key()).second) {
      return Invalid(path, base::StrCat("duplicate field ", Quote(it.key())));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadBool(element value, std::string_view path, bool& out) {
  if (value.get_bool().get(out) != simdjson::SUCCESS) {
    return Invalid(path, "must be a boolean");
  }
  return absl::OkStatus();
}

absl::Status ReadInteger(element value, std::string_view path, int64_t min, int64_t max,
                         int64_t& out) {
  const std::string range = base::StrCat("between ", min, " and ", max);
  switch (value.type()) {
    case element_type::INT64:
      if (value.get_int64().get(out) != simdjson::SUCCESS || out < min || out > max) {
        return Invalid(path, base::StrCat("must be ", range));
      }
      return absl::OkStatus();
    case element_type::UINT64:  // above INT64_MAX: out of every range we accept
      return Invalid(path, base::StrCat("must be ", range));
    default:  // a double (1.5, 1e3, 2.0), a string, a boolean, ...
      return Invalid(path, base::StrCat("must be an integer ", range));
  }
}

absl::Status ReadString(element value, std::string_view path, std::string& out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
    return Invalid(path, "must be a non-empty string");
  }
  if (s.find('\0') != std::string_view::npos) {
    return Invalid(path, "must not contain NUL characters");
  }
  out.assign(s);
  return absl::OkStatus();
}

absl::Status ReadStringList(element value, std::string_view path, bool non_empty,
                            std::vector<std::string>& out) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return Invalid(
        path, non_empty ? "must be a non-empty array of strings" : "must be an array of strings");
  }
  if (non_empty && array.size() == 0) {
    return Invalid(path, "must be a non-empty array of strings");
  }
  out.clear();
  size_t index = 0;
  for (element item : array) {
    std::string s;
    absl::Status status = ReadString(item, IndexPath(path, index++), s);
    if (!status.ok()) {
      return status;
    }
    out.push_back(std::move(s));
  }
  return absl::OkStatus();
}

bool IsHttpToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsScopeToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

absl::Status CheckScopes(const std::vector<std::string>& scopes, std::string_view path) {
  for (size_t i = 0; i < scopes.size(); ++i) {
    if (!IsScopeToken(scopes[i])) {
      return Invalid(IndexPath(path, i),
                     "must be a scope token (printable ASCII without spaces, '\"' or '\\')");
    }
  }
  return absl::OkStatus();
}

absl::Status ReadAlgorithms(element value, std::string_view path, AlgorithmSet& out,
                            AlgorithmSet allowed, std::string_view why_not) {
  out = AlgorithmSet();  // replaces a profile's list, never adds to it
  std::vector<std::string> names;
  absl::Status status = ReadStringList(value, path, /*non_empty=*/true, names);
  for (size_t i = 0; status.ok() && i < names.size(); ++i) {
    const std::optional<Algorithm> alg = ParseAlgorithm(names[i]);
    if (alg.has_value() && allowed.Contains(*alg)) {
      out.Add(*alg);
    } else if (alg.has_value()) {
      status =
          Invalid(IndexPath(path, i), base::StrCat("algorithm ", Quote(names[i]), " ", why_not));
    } else if (absl::EqualsIgnoreCase(base::ToAbsl(names[i]), "none")) {
      status = Invalid(IndexPath(path, i), base::StrCat("algorithm ", Quote(names[i]),
                                                        " is never allowed (unsecured JWS)"));
    } else {
      status =
          Invalid(IndexPath(path, i), base::StrCat("unknown algorithm ", Quote(names[i]),
                                                   " (names are case-sensitive, e.g. \"RS256\")"));
    }
  }
  return status;
}

absl::Status LoadJwksFile(std::string_view field, std::string_view file, std::string_view base_dir,
                          std::shared_ptr<const KeySet>& out) {
  std::string contents, why;
  if (!base::ReadBoundedFile(ResolvePath(base_dir, file), kMaxFileBytes, contents, why)) {
    return Invalid(field, base::StrCat("cannot read ", Quote(file), ": ", why));
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(contents);
  if (!keys.ok()) {
    // FromJwks also fails when it skipped every key; its message then lists why, per key.
    constexpr std::string_view kNoUsableKey = "JWK Set has no usable key";
    const std::string_view message = View(keys.status().message());
    if (message.starts_with(kNoUsableKey)) {
      return Invalid(field, base::StrCat("no usable keys in ", Quote(file),
                                         message.substr(kNoUsableKey.size())));
    }
    return Invalid(field, base::StrCat(Quote(file), ": ", message));
  }
  out = *std::move(keys);
  return absl::OkStatus();
}

std::string ResolvePath(std::string_view base_dir, std::string_view path) {
  if (path.starts_with('/') || base_dir.empty()) {
    return std::string(path);
  }
  return base::StrCat(base_dir, base_dir.ends_with('/') ? "" : "/", path);
}

absl::Status ReadSecretFile(element v, const std::string& field, std::string_view base_dir,
                            std::string& out) {
  std::string name, why;
  absl::Status s = ReadString(v, field, name);
  if (!s.ok()) {
    return s;
  }
  if (!base::ReadBoundedFile(ResolvePath(base_dir, name), kMaxSecretBytes, out, why)) {
    return Invalid(field, base::StrCat("cannot read ", Quote(name), ": ", why));
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  if (out.empty() || out.find_first_of("\r\n") != std::string::npos) {
    return Invalid(field, base::StrCat(Quote(name), " must hold the secret on one line"));
  }
  return absl::OkStatus();
}

absl::Status ReadSecretEnv(element v, const std::string& field, std::string& out) {
  std::string name;
  absl::Status s = ReadString(v, field, name);
  if (!s.ok()) {
    return s;
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return Invalid(field,
                   base::StrCat("environment variable ", Quote(name), " is not set or empty"));
  }
  out = value;
  return absl::OkStatus();
}

}  // namespace tokenwarden::server::config_reader
