#include "core/key_set.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <simdjson.h>

#include "base/json_syntax.h"
#include "base/str_cat.h"
#include "core/internal/jwk.h"

namespace tokenwarden {

KeySet::KeySet(std::vector<Key> keys, std::vector<std::string> skipped, bool select_by_kid)
    : keys_(std::move(keys)), skipped_(std::move(skipped)), select_by_kid_(select_by_kid) {
  for (const Key& key : keys_) {
    algorithms_ = algorithms_.Union(key.algorithms());
    fingerprints_.push_back(key.Fingerprint());
  }
}

bool KeySet::Holds(const KeyFingerprint& f) const {
  return std::find(fingerprints_.begin(), fingerprints_.end(), f) != fingerprints_.end();
}

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::FromKeys(std::vector<Key> keys,
                                                               bool select_by_kid) {
  if (keys.empty()) {
    return absl::InvalidArgumentError("key set has no usable key");
  }
  if (keys.size() > kMaxKeys) {
    return absl::InvalidArgumentError(base::StrCat("key set has more than ", kMaxKeys, " keys"));
  }
  return std::shared_ptr<const KeySet>(new KeySet(std::move(keys), {}, select_by_kid));
}

std::shared_ptr<const KeySet> KeySet::Empty() {
  static const auto* const kEmpty =
      new std::shared_ptr<const KeySet>(new KeySet({}, {}, /*select_by_kid=*/true));
  return *kEmpty;
}

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::FromJwks(std::string_view json) {
  if (json.size() > internal::kMaxKeyFileBytes) {
    return absl::InvalidArgumentError("JWK Set is larger than 1 MiB");
  }
  simdjson::dom::parser parser(internal::kMaxKeyFileBytes);
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    // Say where: a JWK Set is often a file someone saved or edited by hand.
    if (const std::optional<base::JsonSyntaxError> at =
            base::FindJsonSyntaxError(json, simdjson::DEFAULT_MAX_DEPTH)) {
      return absl::InvalidArgumentError(base::StrCat("JWK Set is not valid JSON at line ", at->line,
                                                     ", column ", at->column, ": ", at->problem));
    }
    return absl::InvalidArgumentError("JWK Set is not valid JSON");
  }
  simdjson::dom::array entries;
  if (!root.is_object() || root["keys"].get_array().get(entries) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("JWK Set has no \"keys\" array (RFC 7517 §5)");
  }
  if (entries.size() > kMaxKeys) {
    return absl::InvalidArgumentError(base::StrCat("JWK Set has more than ", kMaxKeys, " keys"));
  }
  std::vector<Key> keys;
  std::vector<std::string> skipped;
  size_t index = 0;
  for (simdjson::dom::element entry : entries) {
    simdjson::dom::object object;
    absl::StatusOr<Key> key = entry.get_object().get(object) == simdjson::SUCCESS
                                  ? internal::KeyFromJwkObject(object)
                                  : absl::InvalidArgumentError("not a JSON object");
    if (key.ok()) {
      keys.push_back(*std::move(key));
    } else {
      std::string_view kid;
      std::string label = base::StrCat("key ", index);
      if (entry["kid"].get_string().get(kid) == simdjson::SUCCESS) {
        base::StrAppend(&label, " (kid \"", kid, "\")");
      }
      skipped.push_back(base::StrCat(label, ": ", key.status().message()));
    }
    ++index;
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("JWK Set has no usable key",
                     skipped.empty() ? "" : base::StrCat(": ", absl::StrJoin(skipped, "; "))));
  }
  return std::shared_ptr<const KeySet>(
      new KeySet(std::move(keys), std::move(skipped), /*select_by_kid=*/true));
}

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::FromKeyFile(std::string_view contents) {
  const size_t first = contents.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return absl::InvalidArgumentError("key file is empty");
  }
  absl::StatusOr<Key> key =
      contents[first] == '{' ? Key::FromJwk(contents) : Key::FromPem(contents);
  if (!key.ok()) {
    return key.status();
  }
  std::vector<Key> keys;
  keys.push_back(*std::move(key));
  return FromKeys(std::move(keys), /*select_by_kid=*/false);
}

size_t KeySet::Select(Algorithm alg, std::optional<std::string_view> kid,
                      std::span<const Key*> out) const {
  size_t n = 0;
  for (const Key& key : keys_) {
    if (n == out.size()) {
      break;
    }
    if (!key.algorithms().Contains(alg)) {
      continue;
    }
    // RFC 7515 §4.1.4: with a kid, only keys carrying that kid; a key without one never
    // matches a token that names a kid.
    if (select_by_kid_ && kid.has_value() && key.kid() != *kid) {
      continue;
    }
    out[n++] = &key;
  }
  return n;
}

}  // namespace tokenwarden
