#include "core/algorithm.h"

#include <array>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>

#include "base/str_cat.h"

namespace tokenwarden {
namespace {

struct AlgorithmInfo {
  std::string_view name;
  KeyType key_type;
  uint8_t hash_len;
};

// Order = enum order.
constexpr std::array<AlgorithmInfo, kNumAlgorithms> kAlgorithms = {{
    {"RS256", KeyType::kRsa, 32},
    {"RS384", KeyType::kRsa, 48},
    {"RS512", KeyType::kRsa, 64},
    {"PS256", KeyType::kRsa, 32},
    {"PS384", KeyType::kRsa, 48},
    {"PS512", KeyType::kRsa, 64},
    {"ES256", KeyType::kEc, 32},
    {"ES384", KeyType::kEc, 48},
    {"ES512", KeyType::kEc, 64},
    {"EdDSA", KeyType::kOkp, 64},
    {"HS256", KeyType::kOct, 32},
    {"HS384", KeyType::kOct, 48},
    {"HS512", KeyType::kOct, 64},
}};

const AlgorithmInfo& Info(Algorithm alg) { return kAlgorithms[static_cast<size_t>(alg)]; }

}  // namespace

std::string_view AlgorithmName(Algorithm alg) { return Info(alg).name; }

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  // Every supported name is exactly five bytes; a
  // length check first keeps hostile long strings to one compare.
  if (name.size() != 5) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kAlgorithms.size(); ++i) {
    if (kAlgorithms[i].name == name) {
      return static_cast<Algorithm>(i);
    }
  }
  return std::nullopt;
}

KeyType RequiredKeyType(Algorithm alg) { return Info(alg).key_type; }

size_t HashLength(Algorithm alg) { return Info(alg).hash_len; }

absl::StatusOr<AlgorithmSet> AlgorithmSet::Parse(std::string_view list) {
  AlgorithmSet set;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) {
      comma = list.size();
    }
    const std::string_view item = list.substr(start, comma - start);
    const std::optional<Algorithm> alg = ParseAlgorithm(item);
    if (!alg.has_value()) {
      if (item.empty()) {
        return absl::InvalidArgumentError("algorithm list has an empty item");
      }
      return absl::InvalidArgumentError(base::StrCat(
          "unsupported algorithm \"", item,
          "\" (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, "
          "EdDSA, HS256, HS384, HS512; \"none\" is never accepted)"));
    }
    set.Add(*alg);
    start = comma + 1;
  }
  return set;
}

std::string AlgorithmSet::ToString() const {
  std::string out;
  for (int i = 0; i < kNumAlgorithms; ++i) {
    const auto alg = static_cast<Algorithm>(i);
    if (Contains(alg)) {
      base::StrAppend(&out, out.empty() ? "" : ",", AlgorithmName(alg));
    }
  }
  return out;
}

}  // namespace tokenwarden
