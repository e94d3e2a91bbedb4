#include "core/denylist.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include <openssl/sha.h>

#include "base/str_cat.h"

namespace tokenwarden {

// Slot is one entry under a seqlock: `seq` is odd while a writer is inside. Every field is an
// atomic so readers racing a writer read torn values only in ways the sequence check catches.
struct alignas(64) Denylist::Slot {
  std::atomic<uint32_t> seq{0};
  std::atomic<int64_t> expires_at{0};  // 0 = empty
  std::atomic<int64_t> issued_until{kAnyTime};
  std::atomic<uint64_t> words[4] = {};
};

namespace {

size_t RoundUp(size_t n, size_t minimum) {
  size_t p = minimum;
  while (p < n) {
    p <<= 1;
  }
  return p;
}

bool Live(int64_t expires_at, int64_t now) { return expires_at != 0 && now < expires_at; }

bool IsAttribute(const Denylist::Entry& e) {
  return e.expires_at != 0 && e.issued_until != Denylist::kAnyTime;
}

// Covers: a token issued at `iat` (absent: before anything) falls under an entry's time, in
// whole seconds: an entry for second T covers every token issued in T or before, so a cut
// taken from a clock or a logout token's iat in whole seconds spares no token issued earlier
// in that same second (NumericDates may be fractional).
bool Covers(const Denylist::Entry& e, std::optional<double> iat) {
  return !iat.has_value() || std::floor(*iat) <= static_cast<double>(e.issued_until);
}

// DomainKey is SHA-256 over `domain` and the length-prefixed pair (iss, value): keys of
// different domains, or of pairs that concatenate alike, never meet.
Denylist::Key DomainKey(std::string_view domain, std::string_view iss, std::string_view value) {
  const uint64_t lens[2] = {iss.size(), value.size()};
  Denylist::Key key;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, domain.data(), domain.size());
  SHA256_Update(&ctx, lens, sizeof(lens));
  SHA256_Update(&ctx, iss.data(), iss.size());
  SHA256_Update(&ctx, value.data(), value.size());
  SHA256_Final(key.data(), &ctx);
  return key;
}

}  // namespace

Denylist::Key Denylist::AttributeKeyFor(RevokedAttribute attribute, std::string_view iss,
                                        std::string_view value) {
  static constexpr std::string_view kDomains[] = {"tokenwarden-sid", "tokenwarden-sub",
                                                  "tokenwarden-cid"};
  return DomainKey(kDomains[static_cast<size_t>(attribute)], iss, value);
}

Denylist::Key Denylist::SpentLogoutKeyFor(std::string_view iss, std::string_view jti) {
  return DomainKey("tokenwarden-bcl", iss, jti);
}

Denylist::Key Denylist::KeyFor(std::optional<std::string_view> iss,
                               std::optional<std::string_view> jti,
                               std::string_view signing_input) {
  Key key;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  if (jti.has_value()) {
    // Domain-separated and length-prefixed, so (iss, jti) pairs cannot run into each other.
    const std::string_view i = iss.value_or("");
    const uint64_t lens[2] = {i.size(), jti->size()};
    SHA256_Update(&ctx, "tokenwarden-jti", 15);
    SHA256_Update(&ctx, lens, sizeof(lens));
    SHA256_Update(&ctx, i.data(), i.size());
    SHA256_Update(&ctx, jti->data(), jti->size());
  } else {
    SHA256_Update(&ctx, "tokenwarden-sig", 15);
    SHA256_Update(&ctx, signing_input.data(), signing_input.size());
  }
  SHA256_Final(key.data(), &ctx);
  return key;
}

Denylist::Denylist(size_t capacity) : seed_(internal::RandomHashSeed()) {
  num_slots_ = RoundUp(capacity, kWays);
  set_mask_ = num_slots_ / kWays - 1;
  slots_ = std::make_unique<Slot[]>(num_slots_);
}

Denylist::~Denylist() = default;

std::array<size_t, 2> Denylist::SetsOf(const Key& key) const {
  uint64_t a, b, c, d;
  std::memcpy(&a, key.data(), 8);
  std::memcpy(&b, key.data() + 8, 8);
  std::memcpy(&c, key.data() + 16, 8);
  std::memcpy(&d, key.data() + 24, 8);
  // Seeded, so nobody can choose jti values that pile into one set; two independent choices
  // (each key may live in either set) keep sets from overflowing until the table is nearly
  // full, where one choice overflows a 4-way set at a few percent load.
  return {(internal::Mum(a ^ seed_.s0, b ^ seed_.s1) & set_mask_) * kWays,
          (internal::Mum(c ^ seed_.s1, d ^ seed_.s0) & set_mask_) * kWays};
}

// The seqlock without standalone fences (which TSan cannot model): the writer's first bump is
// an acquiring RMW, so its data stores cannot move above it; data stores are release and
// reader data loads acquire, so a reader that sees any new data also sees the odd sequence
// number on its re-check and retries.
void Denylist::Write(Slot& slot, const Key& key, const Entry& entry) {
  const uint32_t seq = slot.seq.fetch_add(1, std::memory_order_acq_rel);
  for (int w = 0; w < 4; ++w) {
    uint64_t v;
    std::memcpy(&v, key.data() + 8 * w, 8);
    slot.words[w].store(v, std::memory_order_release);
  }
  slot.expires_at.store(entry.expires_at, std::memory_order_release);
  slot.issued_until.store(entry.issued_until, std::memory_order_release);
  slot.seq.store(seq + 2, std::memory_order_release);
}

void Denylist::Read(const Slot& slot, Key& key, Entry& entry) {
  for (;;) {
    const uint32_t before = slot.seq.load(std::memory_order_acquire);
    if ((before & 1) != 0) {
      continue;  // a writer is inside; it holds the slot for a few stores
    }
    for (int w = 0; w < 4; ++w) {
      const uint64_t v = slot.words[w].load(std::memory_order_acquire);
      std::memcpy(key.data() + 8 * w, &v, 8);
    }
    entry.expires_at = slot.expires_at.load(std::memory_order_acquire);
    entry.issued_until = slot.issued_until.load(std::memory_order_acquire);
    if (slot.seq.load(std::memory_order_acquire) == before) {
      return;
    }
  }
}

absl::StatusOr<bool> Denylist::Add(const Key& key, int64_t expires_at, int64_t now,
                                   int64_t issued_until) {
  if (!Live(expires_at, now)) {
    return false;  // already expired: validation rejects it without us
  }
  const Entry entry{expires_at, issued_until};
  base::MutexLock lock(&mu_);
  const std::array<size_t, 2> sets = SetsOf(key);
  // The free slot of the emptier set, unless the key is already present in either.
  size_t best_slot = num_slots_;
  size_t best_free = 0;
  for (size_t set : sets) {
    size_t free_count = 0;
    size_t first_free = num_slots_;
    for (size_t i = 0; i < kWays; ++i) {
      Key k;
      Entry e;
      Read(slots_[set + i], k, e);
      if (Live(e.expires_at, now) && k == key) {
        const Entry merged{std::max(e.expires_at, expires_at),
                           std::max(e.issued_until, issued_until)};
        if (merged == e) {
          return false;
        }
        Write(slots_[set + i], key, merged);
        return true;
      }
      if (!Live(e.expires_at, now)) {
        ++free_count;
        if (first_free == num_slots_) {
          first_free = set + i;
        }
      }
    }
    if (free_count > best_free) {
      best_free = free_count;
      best_slot = first_free;
    }
  }
  if (best_slot == num_slots_) {
    return absl::ResourceExhaustedError(base::StrCat("denylist sets are full (capacity ",
                                                     num_slots_, "); raise the denylist capacity"));
  }
  Key old;
  Entry old_entry;
  Read(slots_[best_slot], old, old_entry);
  Write(slots_[best_slot], key, entry);
  if (old_entry.expires_at == 0) {
    size_.fetch_add(1, std::memory_order_relaxed);
  }
  if (IsAttribute(old_entry)) {
    attribute_size_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (IsAttribute(entry)) {
    attribute_size_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

std::optional<Denylist::Entry> Denylist::Find(const Key& key, int64_t now) const {
  if (empty()) {
    return std::nullopt;
  }
  for (size_t set : SetsOf(key)) {
    for (size_t i = 0; i < kWays; ++i) {
      Key k;
      Entry e;
      Read(slots_[set + i], k, e);
      if (Live(e.expires_at, now) && k == key) {
        return e;
      }
    }
  }
  return std::nullopt;
}

std::optional<int64_t> Denylist::RevokedUntil(const Key& key, int64_t now) const {
  const std::optional<Entry> entry = Find(key, now);
  return entry.has_value() ? std::optional<int64_t>(entry->expires_at) : std::nullopt;
}

Denylist::AttributeKeys Denylist::AttributeKeysFor(std::string_view iss, const Claims& claims) {
  const std::optional<std::string_view> values[] = {claims.sid, claims.sub, claims.ClientId()};
  AttributeKeys out;
  for (size_t a = 0; a < out.keys.size(); ++a) {
    if (values[a].has_value()) {
      out.keys[a] = AttributeKeyFor(static_cast<RevokedAttribute>(a), iss, *values[a]);
      out.present |= static_cast<uint8_t>(1u << a);
    }
  }
  return out;
}

std::optional<RevokedAttribute> Denylist::RevokedByAttribute(std::string_view iss,
                                                             const Claims& claims,
                                                             int64_t now) const {
  if (attribute_entries() == 0) {
    return std::nullopt;  // no hashing while no attribute revocation is held
  }
  return RevokedByAttribute(AttributeKeysFor(iss, claims), claims.iat, now);
}

std::optional<RevokedAttribute> Denylist::RevokedByAttribute(const AttributeKeys& keys,
                                                             std::optional<double> iat,
                                                             int64_t now) const {
  if (attribute_entries() == 0) {
    return std::nullopt;
  }
  // In RevokedAttribute order: sid, then sub, then the client id.
  for (size_t a = 0; a < keys.keys.size(); ++a) {
    if ((keys.present & (1u << a)) == 0) {
      continue;
    }
    const std::optional<Entry> entry = Find(keys.keys[a], now);
    if (entry.has_value() && entry->issued_until != kAnyTime && Covers(*entry, iat)) {
      return static_cast<RevokedAttribute>(a);
    }
  }
  return std::nullopt;
}

namespace {

// RevokedBy is kRevoked with `detail` naming the attribute when `by` is set, else kOk.
Error RevokedBy(std::optional<RevokedAttribute> by, std::string_view& detail) {
  if (!by.has_value()) {
    return Error::kOk;
  }
  switch (*by) {
    case RevokedAttribute::kSid:
      detail = "the token's session has ended (revoked by sid)";
      break;
    case RevokedAttribute::kSub:
      detail = "the tokens of its subject issued until a time were revoked (by sub)";
      break;
    case RevokedAttribute::kClientId:
      detail = "the tokens of its client issued until a time were revoked (by client id)";
      break;
  }
  return Error::kRevoked;
}

}  // namespace

Error CheckAttributeRevocations(const Denylist& denylist, std::string_view iss,
                                const Claims& claims, int64_t now, std::string_view& detail) {
  return RevokedBy(denylist.RevokedByAttribute(iss, claims, now), detail);
}

Error CheckAttributeRevocations(const Denylist& denylist, const Denylist::AttributeKeys& keys,
                                std::optional<double> iat, int64_t now, std::string_view& detail) {
  return RevokedBy(denylist.RevokedByAttribute(keys, iat, now), detail);
}

size_t Denylist::Purge(int64_t now) {
  base::MutexLock lock(&mu_);
  size_t purged = 0;
  for (size_t i = 0; i < num_slots_; ++i) {
    Key k;
    Entry e;
    Read(slots_[i], k, e);
    if (e.expires_at != 0 && !Live(e.expires_at, now)) {
      if (IsAttribute(e)) {
        attribute_size_.fetch_sub(1, std::memory_order_relaxed);
      }
      Write(slots_[i], Key{}, Entry{0, kAnyTime});
      size_.fetch_sub(1, std::memory_order_relaxed);
      ++purged;
    }
  }
  return purged;
}

void Denylist::ForEach(int64_t now, const std::function<void(const Key&, const Entry&)>& fn) const {
  for (size_t i = 0; i < num_slots_; ++i) {
    Key k;
    Entry e;
    Read(slots_[i], k, e);
    if (Live(e.expires_at, now)) {
      fn(k, e);
    }
  }
}

}  // namespace tokenwarden
