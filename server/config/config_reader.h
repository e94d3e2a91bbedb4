// Private to server/config: typed, path-tracking reads of the configuration's JSON (simdjson
// DOM, no exceptions) and of the files it names. Every JSON error is
// absl::InvalidArgumentError("<field path>: <problem>").
#ifndef TOKENWARDEN_SERVER_CONFIG_CONFIG_READER_H_
#define TOKENWARDEN_SERVER_CONFIG_CONFIG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/strings/string_view.h>
#include <simdjson.h>

#include "core/algorithm.h"
#include "core/key_set.h"

// A nested namespace of its own: these helpers are private to server/config.
namespace tokenwarden::server::config_reader {

using simdjson::dom::element;

// kMaxFileBytes bounds the configuration file and each file it names (JWK Sets).
inline constexpr size_t kMaxFileBytes = 1 << 20;

// ResolvePath makes a relative `path` relative to `base_dir` ("" = the working directory);
// an absolute one is returned unchanged.
std::string ResolvePath(std::string_view base_dir, std::string_view path);

// LoadJwksFile loads the JWK Set `file` (resolved against `base_dir`, read for the field at
// `field`) into `out`; a file without a usable key is an error listing why, per key.
absl::Status LoadJwksFile(std::string_view field, std::string_view file, std::string_view base_dir,
                          std::shared_ptr<const KeySet>& out);

// View converts an absl::Status message (Debian's absl::string_view is not std's).
inline std::string_view View(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// FieldPath names member `key` of the object at `parent` ("" is the root): "cache.max_bytes".
std::string FieldPath(std::string_view parent, std::string_view key);
// IndexPath names item `index` of the array at `parent`: "issuers[1]".
std::string IndexPath(std::string_view parent, size_t index);

// Quote renders `value` for a message: in double quotes, with quotes, backslashes and
// control characters escaped, and cut after 256 bytes, so hostile input cannot forge lines.
std::string Quote(std::string_view value);

// Invalid returns InvalidArgumentError("<path>: <problem>"), the root path shown as "(root)".
absl::Status Invalid(std::string_view path, std::string_view problem);

// kMaxSecretBytes bounds a secret file (client secrets, the Redis password).
inline constexpr size_t kMaxSecretBytes = 4096;

// ReadSecretFile reads a secret from the file named at `field` (resolved against `base_dir`):
// one line, the trailing newline dropped. Messages name the file, never its contents.
absl::Status ReadSecretFile(element v, const std::string& field, std::string_view base_dir,
                            std::string& out);
// ReadSecretEnv reads a secret from the environment variable named at `field`.
absl::Status ReadSecretEnv(element v, const std::string& field, std::string& out);

// UnknownField is the error for member `key` of the object at `path`.
absl::Status UnknownField(std::string_view path, std::string_view key);

// MissingField is the error for the required member `key` of the object at `path`.
absl::Status MissingField(std::string_view path, std::string_view key);

// CheckObject fails unless `value` is an object whose member names are all different
// (duplicates are rejected, never resolved) and returns it in `out`.
absl::Status CheckObject(element value, std::string_view path, simdjson::dom::object& out);

// VisitObject checks `value` with CheckObject, then calls `visit(key, member, member_path)`
// for each member in document order, stopping at the first error. `visit` returns
// absl::Status and answers unknown names with UnknownField.
template <typename Visit>
absl::Status VisitObject(element value, std::string_view path, Visit&& visit) {
  simdjson::dom::object object;
  absl::Status status = CheckObject(value, path, object);
  if (!status.ok()) {
    return status;
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string_view key = it.key();
    status = visit(key, it.value(), FieldPath(path, key));
    if (!status.ok()) {
      return status;
    }
  }
  return status;
}

// ReadBool reads a JSON boolean (not 0/1, not "true").
absl::Status ReadBool(element value, std::string_view path, bool& out);

// ReadInteger reads a JSON integer (no fraction or exponent, not a string) in [min, max].
absl::Status ReadInteger(element value, std::string_view path, int64_t min, int64_t max,
                         int64_t& out);

// ReadNumber is ReadInteger into a narrower type that holds [min, max].
template <typename T>
absl::Status ReadNumber(element value, std::string_view path, int64_t min, int64_t max, T& out) {
  int64_t n = 0;
  absl::Status status = ReadInteger(value, path, min, max, n);
  if (status.ok()) {
    out = static_cast<T>(n);
  }
  return status;
}

// ReadString reads a non-empty JSON string without NUL characters (they would cut file
// names and header values short).
absl::Status ReadString(element value, std::string_view path, std::string& out);

// ReadStringList reads an array of ReadString items. With `non_empty`, [] is an error too:
// for lists that must say something, and for those where [] would silently mean "no
// restriction" (omitting the field is then the only way to say that).
absl::Status ReadStringList(element value, std::string_view path, bool non_empty,
                            std::vector<std::string>& out);

// ReadArray reads an array whose items `read_item(item, item_path, T& out)` parses, appending
// each to `out` before reading it (so `read_item` may compare it with earlier items). With
// `non_empty`, [] is an error.
template <typename T, typename ReadItem>
absl::Status ReadArray(element value, std::string_view path, bool non_empty, std::vector<T>& out,
                       ReadItem&& read_item) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return Invalid(path, "must be an array");
  }
  if (non_empty && array.size() == 0) {
    return Invalid(path, "must be a non-empty array");
  }
  out.clear();
  for (element item : array) {
    out.emplace_back();
    absl::Status status = read_item(item, IndexPath(path, out.size() - 1), out.back());
    if (!status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

// ReadAlgorithms replaces `out` with the non-empty list of JOSE algorithm names at `path`;
// "none", unknown names and names outside `allowed` are errors naming the item (`why_not`
// says why an algorithm is outside `allowed`).
absl::Status ReadAlgorithms(element value, std::string_view path, AlgorithmSet& out,
                            AlgorithmSet allowed = AlgorithmSet::All(),
                            std::string_view why_not = "");

// IsHttpToken reports whether `s` is an RFC 9110 §5.6.2 token (header names, methods).
bool IsHttpToken(std::string_view s);

// IsScopeToken reports whether `s` is an RFC 6749 §3.3 scope-token: printable ASCII except
// space, '"' and '\'.
bool IsScopeToken(std::string_view s);

// CheckScopes fails unless every item of `scopes` (read from `path`) is a scope token.
absl::Status CheckScopes(const std::vector<std::string>& scopes, std::string_view path);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_CONFIG_READER_H_
