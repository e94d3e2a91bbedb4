#include "core/internal/jose_json.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace tokenwarden::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Short lists are checked pairwise (no allocation, no sort); long ones are sorted so that a
// hostile 16 KiB payload with thousands of names costs n log n, not n^2.
constexpr size_t kPairwiseLimit = 16;

bool ReadString(element value, std::optional<std::string_view>& out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return false;
  }
  out = s;
  return true;
}

Error Malformed(std::string_view& detail, std::string_view why) {
  detail = why;
  return Error::kMalformed;
}

}  // namespace

bool HasDuplicateNames(const std::vector<std::string_view>& names,
                       std::vector<std::string_view>& scratch) {
  if (names.size() <= kPairwiseLimit) {
    // Each name as its length and first eight bytes: equal names have equal keys, and names of
    // up to eight bytes (most claim names) are equal exactly when their keys are, so the pairs
    // cost an integer compare instead of a memcmp call each.
    std::array<uint64_t, kPairwiseLimit> prefix;
    for (size_t i = 0; i < names.size(); ++i) {
      uint64_t word = 0;
      std::memcpy(&word, names[i].data(), std::min<size_t>(names[i].size(), sizeof word));
      prefix[i] = word;
    }
    for (size_t i = 1; i < names.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (prefix[i] == prefix[j] && names[i].size() == names[j].size() &&
            (names[i].size() <= sizeof(uint64_t) || names[i] == names[j])) {
          return true;
        }
      }
    }
    return false;
  }
  scratch.assign(names.begin(), names.end());
  std::sort(scratch.begin(), scratch.end());
  return std::adjacent_find(scratch.begin(), scratch.end()) != scratch.end();
}

Error ReadHeader(element root, Header& out, HeaderStorage& storage, std::string_view& detail,
                 AlgNames names) {
  out = Header{};
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Malformed(detail, "the JOSE header is not a JSON object");
  }
  std::optional<std::string_view> alg;
  storage.names.clear();
  for (auto [key, value] : object) {
    storage.names.push_back(key);
    if (IsName(key, "alg")) {
      if (!ReadString(value, alg)) {
        return Malformed(detail, "header parameter \"alg\" is not a string");
      }
    } else if (IsName(key, "kid")) {
      if (!ReadString(value, out.kid)) {
        return Malformed(detail, "header parameter \"kid\" is not a string");
      }
    } else if (IsName(key, "typ")) {
      if (!ReadString(value, out.typ)) {
        return Malformed(detail, "header parameter \"typ\" is not a string");
      }
    } else if (IsName(key, "cty")) {
      if (!ReadString(value, out.cty)) {
        return Malformed(detail, "header parameter \"cty\" is not a string");
      }
    } else if (IsName(key, "crit")) {
      // RFC 7515 §4.1.11: a non-empty array of strings; anything else is malformed.
      simdjson::dom::array crit;
      if (value.get_array().get(crit) != simdjson::SUCCESS || crit.size() == 0) {
        return Malformed(detail, "header parameter \"crit\" is not a non-empty array");
      }
      for (element item : crit) {
        if (!item.is_string()) {
          return Malformed(detail, "header parameter \"crit\" holds a non-string");
        }
      }
      out.has_crit = true;
    }
  }
  if (HasDuplicateNames(storage.names, storage.sorted)) {
    return Malformed(detail, "the JOSE header repeats a member name");
  }
  if (!alg.has_value()) {
    return Malformed(detail, "the JOSE header has no \"alg\"");
  }
  const std::optional<Algorithm> parsed = names == AlgNames::kJwsAndEd25519 && *alg == "Ed25519"
                                              ? Algorithm::kEdDsa
                                              : ParseAlgorithm(*alg);
  if (!parsed.has_value()) {
    detail = "the token's \"alg\" is not one we implement (\"none\" never is)";
    return Error::kUnsupportedAlgorithm;
  }
  out.alg = *parsed;
  return Error::kOk;
}

}  // namespace tokenwarden::internal
