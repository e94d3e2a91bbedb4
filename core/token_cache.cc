#include "core/token_cache.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#include <openssl/rand.h>

#include "core/key_set.h"

namespace tokenwarden {

namespace internal {

HashSeed RandomHashSeed() {
  HashSeed seed;
  RAND_bytes(reinterpret_cast<uint8_t*>(&seed), sizeof(seed));
  return seed;
}

}  // namespace internal

namespace {

constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();

double Pack(const std::optional<double>& v) { return v.has_value() ? *v : kAbsent; }

std::optional<double> Unpack(double v) {
  return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

// AttributeKeysLen is the bytes of the attribute keys an entry with mask `present` keeps.
size_t AttributeKeysLen(uint8_t present) {
  return static_cast<size_t>(std::popcount(present)) * sizeof(Denylist::Key);
}

size_t RoundUpToPowerOfTwo(size_t n) {
  size_t p = 1;
  while (p < n) {
    p <<= 1;
  }
  return p;
}

}  // namespace

// Entry is immutable once published, except `referenced` (the CLOCK bit). The token, the
// two JSON texts, the claims record and the attribute keys the token has (in RevokedAttribute
// order; `attributes` is their mask) follow it in the same allocation.
struct TokenCache::Entry {
  uint64_t hash;
  uint64_t generation;
  double exp, nbf, iat, auth_time;  // NaN when absent
  std::array<uint8_t, 32> deny_key;
  KeyFingerprint key;
  uint32_t token_len, header_len, payload_len, record_len;
  std::atomic<uint8_t> referenced{0};
  uint8_t attributes = 0;

  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
  size_t texts_len() const { return token_len + header_len + payload_len + record_len; }
  size_t size() const { return sizeof(Entry) + texts_len() + AttributeKeysLen(attributes); }

  static void Delete(void* p) {
    auto* e = static_cast<Entry*>(p);
    e->~Entry();
    ::operator delete(p);
  }
};

const size_t TokenCache::kEntryOverhead = sizeof(TokenCache::Entry) + sizeof(void*);

TokenCache::TokenCache(TokenCacheOptions options)
    : options_(options), seed_(internal::RandomHashSeed()) {
  const size_t sets = RoundUpToPowerOfTwo(std::max<size_t>(1, options_.max_entries / kWays));
  num_slots_ = sets * kWays;
  set_mask_ = sets - 1;
  slots_ = std::make_unique<std::atomic<Entry*>[]>(num_slots_);
  for (size_t i = 0; i < num_slots_; ++i) {
    slots_[i].store(nullptr, std::memory_order_relaxed);
  }
}

TokenCache::~TokenCache() {
  for (size_t i = 0; i < num_slots_; ++i) {
    if (Entry* e = slots_[i].load(std::memory_order_relaxed)) {
      Entry::Delete(e);
    }
  }
}

const TokenCache::Entry* TokenCache::Find(std::string_view token, uint64_t hash) const {
  const size_t set = (hash & set_mask_) * kWays;
  for (size_t i = 0; i < kWays; ++i) {
    // seq_cst pairs with the epoch announce (see EpochDomain); a plain load on x86.
    Entry* e = slots_[set + i].load(std::memory_order_seq_cst);
    if (e != nullptr && e->hash == hash && e->token_len == token.size() &&
        std::memcmp(e->data(), token.data(), token.size()) == 0) {
      // Write the CLOCK bit only when it is clear, so a hot entry's line stays shared.
      if (e->referenced.load(std::memory_order_relaxed) == 0) {
        e->referenced.store(1, std::memory_order_relaxed);
      }
      return e;
    }
  }
  return nullptr;
}

CachedToken TokenCache::View(const Entry& e) {
  CachedToken t;
  t.header_json = std::string_view(e.data() + e.token_len, e.header_len);
  t.payload_json = std::string_view(e.data() + e.token_len + e.header_len, e.payload_len);
  t.record = std::string_view(e.data() + e.token_len + e.header_len + e.payload_len, e.record_len);
  t.texts = std::string_view(e.data() + e.token_len, e.header_len + e.payload_len + e.record_len);
  t.exp = Unpack(e.exp);
  t.nbf = Unpack(e.nbf);
  t.iat = Unpack(e.iat);
  t.auth_time = Unpack(e.auth_time);
  t.deny_key = e.deny_key;
  t.attribute_keys.present = e.attributes;
  const char* keys = e.data() + e.texts_len();
  for (size_t a = 0; a < t.attribute_keys.keys.size(); ++a) {
    if ((e.attributes & (1u << a)) != 0) {
      std::memcpy(t.attribute_keys.keys[a].data(), keys, sizeof(Denylist::Key));
      keys += sizeof(Denylist::Key);
    }
  }
  t.generation = e.generation;
  t.key = e.key;
  return t;
}

void TokenCache::Replace(size_t i, Entry* next) {
  if (next != nullptr) {
    bytes_.fetch_add(next->size(), std::memory_order_relaxed);
    entries_.fetch_add(1, std::memory_order_relaxed);
  }
  Entry* old = slots_[i].exchange(next, std::memory_order_seq_cst);
  if (old != nullptr) {
    bytes_.fetch_sub(old->size(), std::memory_order_relaxed);
    entries_.fetch_sub(1, std::memory_order_relaxed);
    epochs_.Retire(old, &Entry::Delete);
  }
}

void TokenCache::EvictForBytes(size_t needed) {
  // Two sweeps at most: the first clears CLOCK bits, the second evicts what stayed cold.
  for (size_t steps = 0; steps < 2 * num_slots_ &&
                         bytes_.load(std::memory_order_relaxed) + needed > options_.max_bytes;
       ++steps) {
    const size_t i = clock_hand_;
    clock_hand_ = (clock_hand_ + 1) % num_slots_;
    Entry* e = slots_[i].load(std::memory_order_relaxed);
    if (e == nullptr) {
      continue;
    }
    if (e->referenced.load(std::memory_order_relaxed) != 0) {
      e->referenced.store(0, std::memory_order_relaxed);
    } else {
      Replace(i, nullptr);
    }
  }
}

bool TokenCache::Insert(std::string_view token, uint64_t hash, const CachedToken& facts,
                        int64_t now) {
  const uint64_t generation = facts.generation;
  const Denylist::AttributeKeys& attributes = facts.attribute_keys;
  const size_t data_len = token.size() + facts.header_json.size() + facts.payload_json.size() +
                          facts.record.size() + AttributeKeysLen(attributes.present);
  if (sizeof(Entry) + data_len > options_.max_bytes) {
    return false;
  }
  void* mem = ::operator new(sizeof(Entry) + data_len);
  Entry* e = new (mem) Entry{hash,
                             generation,
                             Pack(facts.exp),
                             Pack(facts.nbf),
                             Pack(facts.iat),
                             Pack(facts.auth_time),
                             facts.deny_key,
                             facts.key,
                             static_cast<uint32_t>(token.size()),
                             static_cast<uint32_t>(facts.header_json.size()),
                             static_cast<uint32_t>(facts.payload_json.size()),
                             static_cast<uint32_t>(facts.record.size())};
  e->attributes = attributes.present;
  std::memcpy(e->data(), token.data(), token.size());
  char* texts = e->data() + token.size();
  std::memcpy(texts, facts.header_json.data(), facts.header_json.size());
  texts += facts.header_json.size();
  std::memcpy(texts, facts.payload_json.data(), facts.payload_json.size());
  texts += facts.payload_json.size();
  if (!facts.record.empty()) {  // memcpy from a null view is undefined even for 0 bytes
    std::memcpy(texts, facts.record.data(), facts.record.size());
  }
  texts += facts.record.size();
  for (size_t a = 0; a < attributes.keys.size(); ++a) {
    if ((attributes.present & (1u << a)) != 0) {
      std::memcpy(texts, attributes.keys[a].data(), sizeof(Denylist::Key));
      texts += sizeof(Denylist::Key);
    }
  }

  base::MutexLock lock(&mu_);
  const size_t set = (hash & set_mask_) * kWays;
  // Victim preference: the same token, an empty way, a stale or expired entry, then CLOCK.
  size_t victim = kWays;
  for (size_t i = 0; i < kWays && victim == kWays; ++i) {
    const Entry* cur = slots_[set + i].load(std::memory_order_relaxed);
    if (cur != nullptr && cur->hash == hash && cur->token_len == token.size() &&
        std::memcmp(cur->data(), token.data(), token.size()) == 0) {
      victim = i;
    }
  }
  for (size_t i = 0; i < kWays && victim == kWays; ++i) {
    const Entry* cur = slots_[set + i].load(std::memory_order_relaxed);
    if (cur == nullptr || cur->generation < generation ||
        (!std::isnan(cur->exp) && cur->exp <= static_cast<double>(now))) {
      victim = i;
    }
  }
  for (size_t i = 0; i < kWays && victim == kWays; ++i) {
    Entry* cur = slots_[set + i].load(std::memory_order_relaxed);
    if (cur->referenced.load(std::memory_order_relaxed) == 0) {
      victim = i;
    } else {
      cur->referenced.store(0, std::memory_order_relaxed);  // second chance
    }
  }
  if (victim == kWays) {
    victim = hash >> 62;  // every way was hot: any one, spread by the hash's top bits
  }
  Replace(set + victim, e);
  if (bytes_.load(std::memory_order_relaxed) > options_.max_bytes) {
    EvictForBytes(0);
  }
  return true;
}

void TokenCache::EvictKeysNotHeld(const KeySet& keys) {
  base::MutexLock lock(&mu_);
  for (size_t i = 0; i < num_slots_; ++i) {
    const Entry* e = slots_[i].load(std::memory_order_relaxed);
    if (e != nullptr && !keys.Holds(e->key)) {
      Replace(i, nullptr);
    }
  }
}

void TokenCache::Purge(int64_t now) {
  base::MutexLock lock(&mu_);
  for (size_t i = 0; i < num_slots_; ++i) {
    const Entry* e = slots_[i].load(std::memory_order_relaxed);
    if (e != nullptr && !std::isnan(e->exp) && e->exp <= static_cast<double>(now)) {
      Replace(i, nullptr);
    }
  }
  epochs_.Reclaim();
}

}  // namespace tokenwarden
