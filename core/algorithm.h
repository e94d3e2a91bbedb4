#ifndef TOKENWARDEN_CORE_ALGORITHM_H_
#define TOKENWARDEN_CORE_ALGORITHM_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden {

// Algorithm is a JWS signature algorithm we implement (RFC 7518 §3, RFC 8037 §3.1). `none` is
// deliberately absent: it cannot be named, allowed or selected.
enum class Algorithm : uint8_t {
  kRs256,
  kRs384,
  kRs512,
  kPs256,
  kPs384,
  kPs512,
  kEs256,
  kEs384,
  kEs512,
  kEdDsa,
  kHs256,
  kHs384,
  kHs512,
};
inline constexpr int kNumAlgorithms = 13;

// KeyType is a JWK `kty` (RFC 7517 §4.1) we can verify with.
enum class KeyType : uint8_t { kRsa, kEc, kOkp, kOct };

// AlgorithmName returns the JOSE name, e.g. "ES256". Static storage.
std::string_view AlgorithmName(Algorithm alg);

// ParseAlgorithm maps a JOSE `alg` value to an Algorithm. Names are case-sensitive (RFC 7515
// §4.1.1), so "hs256", "none", "None" and every unknown name give nullopt.
std::optional<Algorithm> ParseAlgorithm(std::string_view name);

// RequiredKeyType returns the only key type `alg` may be verified with.
KeyType RequiredKeyType(Algorithm alg);

// HashLength returns the output size in bytes of the hash `alg` uses: 32, 48 or 64. For EdDSA
// it is 64 (SHA-512), which OIDC uses for at_hash / c_hash with Ed25519.
size_t HashLength(Algorithm alg);

// AlgorithmSet is a small value set of algorithms (a bit mask).
class AlgorithmSet {
 public:
  constexpr AlgorithmSet() = default;

  // All returns the set of every algorithm we implement.
  static constexpr AlgorithmSet All() { return AlgorithmSet((1u << kNumAlgorithms) - 1); }

  // Parse reads a comma-separated list such as "RS256,ES256". Unknown names, "none" (in any
  // spelling) and empty items are errors naming the culprit.
  static absl::StatusOr<AlgorithmSet> Parse(std::string_view list);

  constexpr void Add(Algorithm alg) { bits_ |= Bit(alg); }
  constexpr bool Contains(Algorithm alg) const { return (bits_ & Bit(alg)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr AlgorithmSet Intersect(AlgorithmSet other) const {
    return AlgorithmSet(bits_ & other.bits_);
  }
  constexpr AlgorithmSet Union(AlgorithmSet other) const {
    return AlgorithmSet(bits_ | other.bits_);
  }
  constexpr bool operator==(const AlgorithmSet&) const = default;

  // ToString returns the names joined by ",", in enum order.
  std::string ToString() const;

 private:
  constexpr explicit AlgorithmSet(uint16_t bits) : bits_(bits) {}
  static constexpr uint16_t Bit(Algorithm alg) {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(alg));
  }
  uint16_t bits_ = 0;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_ALGORITHM_H_
