#include "core/internal/claims_record.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include <absl/container/inlined_vector.h>

namespace tokenwarden::internal {
namespace {

// A record is [arena size][arena][Fixed][the list items' Places], all native-endian (records
// never leave the process). A cache hit reads it with one copy of Fixed and arithmetic per
// field, with no cursor kept in memory: a hit's whole budget is tens of nanoseconds, and a
// cursor the compiler must reload after every view stored (a string_view's pointer may alias
// it) made the restore a chain of load latencies.

// A Place is a view stored as (region << 30 | offset, length); region kAbsent is a missing
// optional.
enum Region : uint32_t { kPayload = 0, kHeader = 1, kArena = 2, kAbsent = 3 };
constexpr uint32_t kOffsetMask = (1u << 30) - 1;

struct Place {
  uint32_t place = kAbsent << 30;
  uint32_t size = 0;
};

// The optional texts of Header and Claims, and Claims' dates, in record order. With `alg`,
// `has_crit`, `has_aud` and the three lists they are every member of both structs: the record
// tests compare a restored view with the original field by field.
constexpr std::optional<std::string_view> Header::*kHeaderTexts[] = {&Header::kid, &Header::typ,
                                                                     &Header::cty};
constexpr std::optional<std::string_view> Claims::*kClaimTexts[] = {
    &Claims::iss,       &Claims::sub,     &Claims::jti,   &Claims::azp,
    &Claims::client_id, &Claims::cid,     &Claims::appid, &Claims::sid,
    &Claims::nonce,     &Claims::at_hash, &Claims::scope, &Claims::cnf};
constexpr std::optional<double> Claims::*kDates[] = {&Claims::exp, &Claims::nbf, &Claims::iat,
                                                     &Claims::auth_time};
constexpr size_t kNumHeaderTexts = std::size(kHeaderTexts);
constexpr size_t kNumClaimTexts = std::size(kClaimTexts);
constexpr size_t kNumDates = std::size(kDates);

// Fixed is the part of every record with one size.
struct Fixed {
  uint32_t alg = 0;
  uint32_t flags = 0;  // kHasCrit, kHasAud, and bit kDateBit + i for a present date i
  uint32_t num_aud = 0;
  uint32_t num_scopes = 0;
  uint32_t num_members = 0;
  uint32_t padding = 0;  // keeps `dates` 8-byte aligned, and the record's bytes defined
  double dates[kNumDates] = {};
  Place header_texts[kNumHeaderTexts];
  Place claim_texts[kNumClaimTexts];
};
constexpr uint32_t kHasCrit = 1, kHasAud = 2, kDateBit = 2;

bool Inside(std::string_view part, std::string_view whole) {
  return !whole.empty() && part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

// Writer places views in the JSON texts where they point there, else copies them to the
// arena, which it writes straight into the record being built (after its size word); the
// places wait in an inline buffer, so writing a record allocates nothing once `out` has grown.
class Writer {
 public:
  Writer(std::string_view header_json, std::string_view payload_json, std::string& out)
      : header_(header_json), payload_(payload_json), out_(out) {
    out_.assign(sizeof(uint32_t), '\0');  // the arena's size, known at Finish
  }

  Place Put(std::string_view v) {
    uint32_t place;
    if (Inside(v, payload_)) {
      place = kPayload << 30 | static_cast<uint32_t>(v.data() - payload_.data());
    } else if (Inside(v, header_)) {
      place = kHeader << 30 | static_cast<uint32_t>(v.data() - header_.data());
    } else {
      place = kArena << 30 | static_cast<uint32_t>(out_.size() - sizeof(uint32_t));
      out_.append(v);
    }
    return Place{place, static_cast<uint32_t>(v.size())};
  }
  Place Put(const std::optional<std::string_view>& v) { return v.has_value() ? Put(*v) : Place{}; }
  void PutList(std::span<const std::string_view> items) {
    for (std::string_view s : items) {
      lists_.push_back(Put(s));
    }
  }
  void PutMembers(std::span<const ClaimMember> members) {
    for (const ClaimMember& m : members) {
      lists_.push_back(Put(m.name));
      lists_.push_back(Put(m.value));
    }
  }

  void Finish(const Fixed& fixed) {
    const uint32_t arena_size = static_cast<uint32_t>(out_.size() - sizeof(uint32_t));
    std::memcpy(out_.data(), &arena_size, sizeof arena_size);
    out_.append(reinterpret_cast<const char*>(&fixed), sizeof fixed);
    out_.append(reinterpret_cast<const char*>(lists_.data()), lists_.size() * sizeof(Place));
  }

 private:
  std::string_view header_, payload_;
  std::string& out_;
  absl::InlinedVector<Place, 64> lists_;
};

// Regions resolves Places against the three texts. Every view it makes is checked to lie
// inside its text; a bad one only sets `bad` (one test at the end, not a branch per field).
class Regions {
 public:
  Regions(std::string_view payload, std::string_view header, std::string_view arena)
      : bases_{payload.data(), header.data(), arena.data()},
        sizes_{payload.size(), header.size(), arena.size()} {}

  std::string_view View(Place p) {
    const uint32_t region = p.place >> 30;
    const size_t offset = p.place & kOffsetMask;
    if (region >= kAbsent || offset > sizes_[region] || p.size > sizes_[region] - offset) {
      bad_ = true;
      return {};
    }
    return std::string_view(bases_[region] + offset, p.size);
  }
  std::optional<std::string_view> Optional(Place p) {
    if (p.place >> 30 == kAbsent) {
      return std::nullopt;
    }
    return View(p);
  }
  bool bad() const { return bad_; }

 private:
  const char* bases_[3];
  size_t sizes_[3];
  bool bad_ = false;
};

}  // namespace

void WriteClaimsRecord(const Header& header, const Claims& claims, std::string_view header_json,
                       std::string_view payload_json, std::string& out) {
  Writer writer(header_json, payload_json, out);
  Fixed fixed;
  fixed.alg = static_cast<uint32_t>(header.alg);
  fixed.flags = (header.has_crit ? kHasCrit : 0) | (claims.has_aud ? kHasAud : 0);
  for (size_t i = 0; i < kNumDates; ++i) {
    const std::optional<double>& date = claims.*kDates[i];
    fixed.flags |= date.has_value() ? 1u << (kDateBit + i) : 0;
    fixed.dates[i] = date.value_or(0);
  }
  for (size_t i = 0; i < kNumHeaderTexts; ++i) {
    fixed.header_texts[i] = writer.Put(header.*kHeaderTexts[i]);
  }
  for (size_t i = 0; i < kNumClaimTexts; ++i) {
    fixed.claim_texts[i] = writer.Put(claims.*kClaimTexts[i]);
  }
  fixed.num_aud = static_cast<uint32_t>(claims.aud.size());
  fixed.num_scopes = static_cast<uint32_t>(claims.scopes.size());
  fixed.num_members = static_cast<uint32_t>(claims.members.size());
  writer.PutList(claims.aud);
  writer.PutList(claims.scopes);
  writer.PutMembers(claims.members);
  writer.Finish(fixed);
}

bool ReadClaimsRecord(std::string_view record, std::string_view header_json,
                      std::string_view payload_json, Header& header, Claims& claims,
                      ClaimsStorage& storage) {
  uint32_t arena_size = 0;
  if (record.size() < sizeof arena_size) {
    return false;
  }
  std::memcpy(&arena_size, record.data(), sizeof arena_size);
  record.remove_prefix(sizeof arena_size);
  if (record.size() < arena_size || record.size() - arena_size < sizeof(Fixed)) {
    return false;
  }
  const std::string_view arena = record.substr(0, arena_size);
  Fixed fixed;
  std::memcpy(&fixed, record.data() + arena_size, sizeof fixed);
  // The lists' Places fill the rest exactly (64-bit sums: no count can wrap them).
  const uint64_t num_places =
      uint64_t{fixed.num_aud} + fixed.num_scopes + 2 * uint64_t{fixed.num_members};
  const std::string_view lists = record.substr(arena_size + sizeof fixed);
  if (lists.size() != num_places * sizeof(Place)) {
    return false;
  }
  Regions regions(payload_json, header_json, arena);
  header.alg = static_cast<Algorithm>(fixed.alg);
  header.has_crit = (fixed.flags & kHasCrit) != 0;
  for (size_t i = 0; i < kNumHeaderTexts; ++i) {
    header.*kHeaderTexts[i] = regions.Optional(fixed.header_texts[i]);
  }
  for (size_t i = 0; i < kNumClaimTexts; ++i) {
    claims.*kClaimTexts[i] = regions.Optional(fixed.claim_texts[i]);
  }
  for (size_t i = 0; i < kNumDates; ++i) {
    claims.*kDates[i] = (fixed.flags & 1u << (kDateBit + i)) != 0
                            ? std::optional<double>(fixed.dates[i])
                            : std::nullopt;
  }
  claims.has_aud = (fixed.flags & kHasAud) != 0;
  // No reset first: every member of Header and Claims is assigned above or below (a failed
  // read leaves values the caller discards).
  const char* place = lists.data();
  const auto next = [&place]() {
    Place p;
    std::memcpy(&p, place, sizeof p);
    place += sizeof p;
    return p;
  };
  storage.aud.resize(fixed.num_aud);
  for (std::string_view& s : storage.aud) {
    s = regions.View(next());
  }
  storage.scopes.resize(fixed.num_scopes);
  for (std::string_view& s : storage.scopes) {
    s = regions.View(next());
  }
  storage.members.resize(fixed.num_members);
  for (ClaimMember& m : storage.members) {
    m.name = regions.View(next());
    m.value = regions.View(next());
  }
  claims.aud = storage.aud;
  claims.scopes = storage.scopes;
  claims.members = storage.members;
  return !regions.bad();
}

}  // namespace tokenwarden::internal
