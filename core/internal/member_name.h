// File: core/internal/member_name.h
// -----------------------------------------------------------------------------
// Member names as integers, for the payload reader's two per-member questions: which claim is
// this (one probe of core/internal/claim_rules.h's table instead of a chain of string
// compares) and has this name been seen before (a stamped hash set instead of comparing every
// pair afterwards). On distinct tokens, whose members come in varying orders, both chains
// mispredicted a branch per member or more.
#ifndef TOKENWARDEN_CORE_INTERNAL_MEMBER_NAME_H_
#define TOKENWARDEN_CORE_INTERNAL_MEMBER_NAME_H_

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tokenwarden::internal {

// Keys load names with memcpy and KeyOf builds them byte by byte, little-endian: the two agree
// only on a little-endian machine (x86-64 and AArch64, what we build for).
static_assert(std::endian::native == std::endian::little, "NameKey assumes little-endian");

// NameKey is a name's first seven bytes (little-endian, zero-filled) with its length in the top
// byte. Names of at most seven bytes are equal exactly when their keys are; longer ones share a
// key with every name of their length and prefix, so a caller confirms them.
struct NameKey {
  uint64_t key = 0;
  uint64_t word = 0;  // the first eight bytes, zero-filled, for hashing

  // Of returns the key of `name`, a view into a text readable up to `end`: the eight-byte
  // load stays within it, and only a name in the text's last eight bytes is copied by size.
  static NameKey Of(std::string_view name, const char* end) {
    uint64_t word = 0;
    if (end - name.data() >= 8) {
      std::memcpy(&word, name.data(), 8);
    } else {
      std::memcpy(&word, name.data(), name.size() < 8 ? name.size() : 8);
    }
    if (name.size() < 8) {
      word &= ~(~uint64_t{0} << (8 * name.size()));
    }
    const uint64_t size = name.size() < 0xff ? name.size() : 0xff;
    return NameKey{(word & 0x00ff'ffff'ffff'ffff) | size << 56, word};
  }
};

// KeyOf is NameKey::key of a string literal, at compile time, for the claim table.
template <size_t N>
constexpr uint64_t KeyOf(const char (&literal)[N]) {
  static_assert(N - 1 < 0xff);
  uint64_t key = 0;
  for (size_t i = 0; i < N - 1 && i < 7; ++i) {
    key |= static_cast<uint64_t>(static_cast<unsigned char>(literal[i])) << (8 * i);
  }
  return key | static_cast<uint64_t>(N - 1) << 56;
}

// NameSeenFilter answers "might this name have come before in this object?" with no false
// negatives: a name's hash stamps a slot with the current object's number, and a slot already
// stamped means maybe. Only a maybe needs the exact (pairwise or sorted) check, which with the
// table this sparse is a few percent of payloads. The stamps make starting an object free.
class NameSeenFilter {
 public:
  // Begin starts a new object.
  void Begin() {
    if (++stamp_ == 0) {
      slots_.fill(0);
      stamp_ = 1;
    }
    maybe_repeated_ = false;
  }

  // Add records `name` (its key from NameKey::Of); the tail of a name longer than eight bytes
  // is hashed too, so long names sharing a prefix (Entra's "extension_…") rarely collide.
  void Add(std::string_view name, const NameKey& key) {
    uint64_t h = key.word ^ name.size() * 0x9e37'79b9'7f4a'7c15;
    if (name.size() > 8) {
      uint64_t tail;
      std::memcpy(&tail, name.data() + name.size() - 8, 8);
      h ^= tail * 0xc2b2'ae3d'27d4'eb4f;
    }
    uint16_t& slot = slots_[(h * 0xff51'afd7'ed55'8ccd) >> (64 - kSlotBits)];
    maybe_repeated_ |= slot == stamp_;
    slot = stamp_;
  }

  // maybe_repeated: some name added since Begin may equal an earlier one.
  bool maybe_repeated() const { return maybe_repeated_; }

 private:
  static constexpr int kSlotBits = 11;  // 2,048 slots, 4 KiB
  std::array<uint16_t, size_t{1} << kSlotBits> slots_{};
  uint16_t stamp_ = 0;
  bool maybe_repeated_ = false;
};

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_MEMBER_NAME_H_
