// File: core/internal/claim_rules.h
// -----------------------------------------------------------------------------
// The claims the payload reader types, and how: the one table of them. A member's name finds
// its rule with one multiply and one table probe (a perfect hash chosen at compile time), so
// typing a payload costs one data-dependent branch per member, not a chain of name compares
// that mispredicts when members come in varying orders (as they do across distinct tokens).
#ifndef TOKENWARDEN_CORE_INTERNAL_CLAIM_RULES_H_
#define TOKENWARDEN_CORE_INTERNAL_CLAIM_RULES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/claims.h"
#include "core/internal/member_name.h"

namespace tokenwarden::internal {

// ClaimKind is how a typed claim's value is read.
enum class ClaimKind : uint8_t {
  kDate,          // a number (RFC 7519 NumericDate): exp, nbf, iat, auth_time
  kText,          // a string
  kAudience,      // a string or an array of strings (RFC 7519 §4.1.3)
  kScope,         // a space-separated string or an array of strings (RFC 8693 §4.2)
  kScp,           // the same, under Okta's and Entra's name, without keeping the whole text
  kConfirmation,  // an object, kept as text (RFC 7800)
};

// ClaimRule is one typed claim. `date` or `text` is the Claims field a kDate or kText fills;
// `why` is the detail when the value has another type.
struct ClaimRule {
  std::string_view name;
  uint64_t key = 0;  // NameKey of `name`
  ClaimKind kind = ClaimKind::kText;
  std::optional<double> Claims::*date = nullptr;
  std::optional<std::string_view> Claims::*text = nullptr;
  std::string_view why;
};

namespace claim_rules_detail {

template <size_t N>
constexpr ClaimRule Date(const char (&name)[N], std::optional<double> Claims::*field,
                         std::string_view why) {
  return ClaimRule{name, KeyOf(name), ClaimKind::kDate, field, nullptr, why};
}
template <size_t N>
constexpr ClaimRule Text(const char (&name)[N], std::optional<std::string_view> Claims::*field,
                         std::string_view why) {
  return ClaimRule{name, KeyOf(name), ClaimKind::kText, nullptr, field, why};
}
template <size_t N>
constexpr ClaimRule Other(const char (&name)[N], ClaimKind kind, std::string_view why) {
  return ClaimRule{name, KeyOf(name), kind, nullptr, nullptr, why};
}

inline constexpr ClaimRule kRules[] = {
    Date("exp", &Claims::exp, "claim \"exp\" is not a number"),
    Date("nbf", &Claims::nbf, "claim \"nbf\" is not a number"),
    Date("iat", &Claims::iat, "claim \"iat\" is not a number"),
    Date("auth_time", &Claims::auth_time, "claim \"auth_time\" is not a number"),
    Text("iss", &Claims::iss, "claim \"iss\" is not a string"),
    Text("sub", &Claims::sub, "claim \"sub\" is not a string"),
    Text("jti", &Claims::jti, "claim \"jti\" is not a string"),
    Text("azp", &Claims::azp, "claim \"azp\" is not a string"),
    Text("client_id", &Claims::client_id, "claim \"client_id\" is not a string"),
    Text("cid", &Claims::cid, "claim \"cid\" is not a string"),
    Text("appid", &Claims::appid, "claim \"appid\" is not a string"),
    Text("sid", &Claims::sid, "claim \"sid\" is not a string"),
    Text("nonce", &Claims::nonce, "claim \"nonce\" is not a string"),
    Text("at_hash", &Claims::at_hash, "claim \"at_hash\" is not a string"),
    Other("aud", ClaimKind::kAudience, "claim \"aud\" is neither a string nor an array of strings"),
    Other("scope", ClaimKind::kScope,
          "claim \"scope\" is neither a string nor an array of strings"),
    Other("scp", ClaimKind::kScp, "claim \"scp\" is neither a string nor an array of strings"),
    Other("cnf", ClaimKind::kConfirmation, "claim \"cnf\" is not an object (RFC 7800)"),
};

inline constexpr int kSlotBits = 6;
inline constexpr size_t kNumSlots = size_t{1} << kSlotBits;

constexpr size_t SlotOf(uint64_t key, uint64_t multiplier) {
  return static_cast<size_t>((key * multiplier) >> (64 - kSlotBits));
}

// Multiplier is the first odd multiplier (from a fixed start) that sends every rule's key to
// its own slot; the compiler finds it, so adding a rule cannot break the table silently.
constexpr uint64_t Multiplier() {
  for (uint64_t m = 0x9e37'79b9'7f4a'7c15;; m += 0x2545'f491'4f6c'dd1e) {
    std::array<bool, kNumSlots> used{};
    bool clash = false;
    for (const ClaimRule& rule : kRules) {
      bool& slot = used[SlotOf(rule.key, m | 1)];
      clash = clash || slot;
      slot = true;
    }
    if (!clash) {
      return m | 1;
    }
  }
}

inline constexpr uint64_t kMultiplier = Multiplier();

// kSlots holds 1 + the index of the rule in each slot, 0 where none.
constexpr std::array<uint8_t, kNumSlots> Slots() {
  std::array<uint8_t, kNumSlots> slots{};
  for (size_t i = 0; i < std::size(kRules); ++i) {
    slots[SlotOf(kRules[i].key, kMultiplier)] = static_cast<uint8_t>(i + 1);
  }
  return slots;
}

inline constexpr std::array<uint8_t, kNumSlots> kSlots = Slots();

}  // namespace claim_rules_detail

// FindClaimRule returns the rule of the member named `name` (`key` its NameKey::key), or
// nullptr for a claim the reader keeps as text only.
inline const ClaimRule* FindClaimRule(std::string_view name, uint64_t key) {
  namespace detail = claim_rules_detail;
  const uint8_t index = detail::kSlots[detail::SlotOf(key, detail::kMultiplier)];
  if (index == 0) {
    return nullptr;
  }
  const ClaimRule& rule = detail::kRules[index - 1];
  // Keys hold seven bytes: a longer name is confirmed whole.
  if (rule.key != key || (name.size() > 7 && name != rule.name)) {
    return nullptr;
  }
  return &rule;
}

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_CLAIM_RULES_H_
