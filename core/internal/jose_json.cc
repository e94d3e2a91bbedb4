#include "core/internal/jose_json.h"

#include <algorithm>
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

// ReadNumericDate accepts any JSON number (RFC 7519 §2: may be non-integer).
bool ReadNumericDate(element value, std::optional<double>& out) {
  switch (value.type()) {
    case element_type::INT64: {
      int64_t n = 0;
      const bool ok = value.get_int64().get(n) == simdjson::SUCCESS;
      out = static_cast<double>(n);
      return ok;
    }
    case element_type::UINT64: {
      uint64_t n = 0;
      const bool ok = value.get_uint64().get(n) == simdjson::SUCCESS;
      out = static_cast<double>(n);
      return ok;
    }
    case element_type::DOUBLE: {
      double d = 0;
      const bool ok = value.get_double().get(d) == simdjson::SUCCESS;
      out = d;
      return ok;
    }
    default:
      return false;
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

// ReadStringOrArray accepts a string (one value) or an array of strings.
bool ReadStringOrArray(element value, std::vector<std::string_view>& out, bool split_spaces) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    if (split_spaces) {
      AppendSpaceSeparated(s, out);
    } else {
      out.push_back(s);
    }
    return true;
  }
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (element item : array) {
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return false;
    }
    out.push_back(s);
  }
  return true;
}

// Is compares `key` with a string literal of known length, which the compiler turns into a
// length check and one or two word compares (operator== calls memcmp with a runtime length).
template <size_t N>
inline bool Is(std::string_view key, const char (&literal)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

Error Malformed(std::string_view& detail, std::string_view why) {
  detail = why;
  return Error::kMalformed;
}

}  // namespace

bool HasDuplicateNames(const std::vector<std::string_view>& names,
                       std::vector<std::string_view>& scratch) {
  if (names.size() <= kPairwiseLimit) {
    for (size_t i = 1; i < names.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (names[i] == names[j]) {
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

Error ReadHeader(element root, Header& out, ClaimsStorage& storage, std::string_view& detail) {
  out = Header{};
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Malformed(detail, "the JOSE header is not a JSON object");
  }
  std::optional<std::string_view> alg;
  storage.names.clear();
  for (auto [key, value] : object) {
    storage.names.push_back(key);
    if (Is(key, "alg")) {
      if (!ReadString(value, alg)) {
        return Malformed(detail, "header parameter \"alg\" is not a string");
      }
    } else if (Is(key, "kid")) {
      if (!ReadString(value, out.kid)) {
        return Malformed(detail, "header parameter \"kid\" is not a string");
      }
    } else if (Is(key, "typ")) {
      if (!ReadString(value, out.typ)) {
        return Malformed(detail, "header parameter \"typ\" is not a string");
      }
    } else if (Is(key, "cty")) {
      if (!ReadString(value, out.cty)) {
        return Malformed(detail, "header parameter \"cty\" is not a string");
      }
    } else if (Is(key, "crit")) {
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
  const std::optional<Algorithm> parsed = ParseAlgorithm(*alg);
  if (!parsed.has_value()) {
    detail = "the token's \"alg\" is not one we implement (\"none\" never is)";
    return Error::kUnsupportedAlgorithm;
  }
  out.alg = *parsed;
  return Error::kOk;
}

// Claim names are matched with a chain of compares: a payload has a dozen names, and the
// compiler turns each into a length check plus a memcmp.
Error ReadClaims(element root, Claims& out, ClaimsStorage& storage, std::string_view& detail) {
  out = Claims{};
  storage.aud.clear();
  storage.scopes.clear();
  storage.names.clear();
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Malformed(detail, "the JWT payload is not a JSON object");
  }
  for (auto [key, value] : object) {
    storage.names.push_back(key);
    bool ok = true;
    if (Is(key, "exp")) {
      ok = ReadNumericDate(value, out.exp);
      if (!ok) {
        detail = "claim \"exp\" is not a number";
      }
    } else if (Is(key, "nbf")) {
      ok = ReadNumericDate(value, out.nbf);
      if (!ok) {
        detail = "claim \"nbf\" is not a number";
      }
    } else if (Is(key, "iat")) {
      ok = ReadNumericDate(value, out.iat);
      if (!ok) {
        detail = "claim \"iat\" is not a number";
      }
    } else if (Is(key, "auth_time")) {
      ok = ReadNumericDate(value, out.auth_time);
      if (!ok) {
        detail = "claim \"auth_time\" is not a number";
      }
    } else if (Is(key, "iss")) {
      ok = ReadString(value, out.iss);
      if (!ok) {
        detail = "claim \"iss\" is not a string";
      }
    } else if (Is(key, "sub")) {
      ok = ReadString(value, out.sub);
      if (!ok) {
        detail = "claim \"sub\" is not a string";
      }
    } else if (Is(key, "aud")) {
      ok = ReadStringOrArray(value, storage.aud, /*split_spaces=*/false);
      out.has_aud = true;
      if (!ok) {
        detail = "claim \"aud\" is neither a string nor an array of strings";
      }
    } else if (Is(key, "jti")) {
      ok = ReadString(value, out.jti);
      if (!ok) {
        detail = "claim \"jti\" is not a string";
      }
    } else if (Is(key, "azp")) {
      ok = ReadString(value, out.azp);
      if (!ok) {
        detail = "claim \"azp\" is not a string";
      }
    } else if (Is(key, "client_id")) {
      ok = ReadString(value, out.client_id);
      if (!ok) {
        detail = "claim \"client_id\" is not a string";
      }
    } else if (Is(key, "nonce")) {
      ok = ReadString(value, out.nonce);
      if (!ok) {
        detail = "claim \"nonce\" is not a string";
      }
    } else if (Is(key, "at_hash")) {
      ok = ReadString(value, out.at_hash);
      if (!ok) {
        detail = "claim \"at_hash\" is not a string";
      }
    } else if (Is(key, "scope")) {
      ok = ReadString(value, out.scope);
      if (ok) {
        AppendSpaceSeparated(*out.scope, storage.scopes);
      } else {
        detail = "claim \"scope\" is not a string";
      }
    } else if (Is(key, "scp")) {
      ok = ReadStringOrArray(value, storage.scopes, /*split_spaces=*/true);
      if (!ok) {
        detail = "claim \"scp\" is neither a string nor an array of strings";
      }
    }
    if (!ok) {
      return Error::kMalformed;
    }
  }
  if (HasDuplicateNames(storage.names, storage.sorted)) {
    return Malformed(detail, "the JWT payload repeats a claim name");
  }
  out.aud = storage.aud;
  out.scopes = storage.scopes;
  out.names = storage.names;
  return Error::kOk;
}

}  // namespace tokenwarden::internal
