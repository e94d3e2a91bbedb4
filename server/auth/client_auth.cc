// ClientRegistry: client lookup, the dummy check for unknown ids, and the PBKDF2 memo.
#include "server/auth/client_auth.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/mutex.h"

namespace tokenwarden::server {

// Entry is one configured client. `memo` holds HMAC-SHA256(memo_key_, secret) of the last
// secret a PBKDF2 check accepted; it is written only after a success, so a wrong secret can
// never make a later one pass.
struct ClientRegistry::Entry {
  explicit Entry(ClientConfig c) : config(std::move(c)) {}

  const ClientConfig config;
  mutable base::Mutex mu;
  std::optional<std::array<uint8_t, 32>> memo ABSL_GUARDED_BY(mu);
};

struct ClientRegistry::Budget {
  explicit Budget(SlowCheckBudget b) : config(b), seconds(b.burst_seconds) {}

  // Take reports whether a slow check may run now (the bucket holds a positive balance).
  bool Take() {
    base::MutexLock lock(&mu);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - refilled).count();
    refilled = now;
    seconds = std::min(config.burst_seconds, seconds + elapsed * config.refill_per_second);
    return seconds > 0;
  }
  // Spend debits a check's measured duration (the balance may go negative: the next checks
  // wait until the refill has paid for it).
  void Spend(double duration) {
    base::MutexLock lock(&mu);
    seconds -= duration;
  }

  const SlowCheckBudget config;
  base::Mutex mu;
  double seconds ABSL_GUARDED_BY(mu);
  std::chrono::steady_clock::time_point refilled ABSL_GUARDED_BY(mu) =
      std::chrono::steady_clock::now();
};

namespace {

// TypicalHash returns a SecretHash with the scheme and iteration count most of `clients` use
// (sha256 when there are none) and random salt and digest: what an unknown id is checked
// against, so its answer costs what a known id's does.
SecretHash TypicalHash(const std::vector<ClientConfig>& clients) {
  std::map<std::pair<SecretHash::Scheme, uint32_t>, size_t> counts;
  SecretHash dummy;
  size_t best = 0;
  for (const ClientConfig& c : clients) {
    const std::pair<SecretHash::Scheme, uint32_t> cost(c.secret.scheme, c.secret.iterations);
    const size_t n = ++counts[cost];
    if (n > best) {  // ties go to the first configured
      best = n;
      dummy.scheme = cost.first;
      dummy.iterations = cost.second;
    }
  }
  dummy.salt.resize(16);
  dummy.digest.resize(32);
  RAND_bytes(dummy.salt.data(), dummy.salt.size());
  RAND_bytes(dummy.digest.data(), dummy.digest.size());
  return dummy;
}

bool UsesMemo(const SecretHash& hash) { return hash.scheme == SecretHash::Scheme::kPbkdf2Sha256; }

}  // namespace

ClientRegistry::ClientRegistry(const std::vector<ClientConfig>& clients, SlowCheckBudget budget)
    : dummy_(TypicalHash(clients)), budget_(std::make_unique<Budget>(budget)) {
  RAND_bytes(memo_key_.data(), memo_key_.size());
  entries_.reserve(clients.size());
  for (const ClientConfig& c : clients) {
    entries_.push_back(std::make_unique<Entry>(c));
  }
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const std::unique_ptr<Entry>& a, const std::unique_ptr<Entry>& b) {
                     return a->config.id < b->config.id;
                   });
}

ClientRegistry::~ClientRegistry() { OPENSSL_cleanse(memo_key_.data(), memo_key_.size()); }
ClientRegistry::ClientRegistry(ClientRegistry&&) noexcept = default;
ClientRegistry& ClientRegistry::operator=(ClientRegistry&&) noexcept = default;

ClientRegistry::Entry* ClientRegistry::Find(std::string_view id) const {
  const auto it = std::lower_bound(
      entries_.begin(), entries_.end(), id,
      [](const std::unique_ptr<Entry>& e, std::string_view v) { return e->config.id < v; });
  if (it == entries_.end() || (*it)->config.id != id) {
    return nullptr;
  }
  return it->get();
}

void ClientRegistry::MemoDigest(std::string_view secret, std::array<uint8_t, 32>& out) const {
  unsigned out_len = 0;
  // Cannot fail for SHA-256 with a fixed key (BoringSSL's one-shot HMAC allocates nothing).
  HMAC(EVP_sha256(), memo_key_.data(), memo_key_.size(),
       reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), out.data(), &out_len);
}

AuthResult ClientRegistry::Check(std::string_view id, std::string_view secret) const {
  using Status = AuthResult::Status;
  Entry* entry = Find(id);
  const SecretHash& stored = entry != nullptr ? entry->config.secret : dummy_;
  const bool memoized = UsesMemo(stored);
  std::array<uint8_t, 32> presented{};
  if (memoized) {
    MemoDigest(secret, presented);
    if (entry != nullptr) {
      std::optional<std::array<uint8_t, 32>> memo;
      {
        base::MutexLock lock(&entry->mu);
        memo = entry->memo;
      }
      if (memo.has_value() && CRYPTO_memcmp(memo->data(), presented.data(), 32) == 0) {
        return {Status::kOk, &entry->config};
      }
    }
    // A slow check ahead: only within the budget.
    if (!budget_->Take()) {
      return {Status::kThrottled, nullptr};
    }
  }
  // The unknown id runs the same check against `dummy_` (it matches nothing), so the answer
  // takes as long as for a known id with a wrong secret.
  const auto start = std::chrono::steady_clock::now();
  const bool match = VerifySecret(stored, secret);
  if (memoized) {
    budget_->Spend(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!match || entry == nullptr) {
    return {Status::kRejected, nullptr};
  }
  if (memoized) {
    base::MutexLock lock(&entry->mu);
    entry->memo = presented;
  }
  return {Status::kOk, &entry->config};
}

}  // namespace tokenwarden::server
