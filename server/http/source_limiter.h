// File: server/http/source_limiter.h
// -----------------------------------------------------------------------------
// SourceLimiter bounds the connections open at once from one source, for deployments where
// clients reach tokenwarden without a proxy in front (behind one, every connection comes from
// the proxy and the limit must stay off). A source is an IPv4 address, or the /64 prefix of an
// IPv6 address: a single IPv6 client is routinely given a whole /64, so per-address counting
// would not bound it. IPv4-mapped IPv6 addresses count as their IPv4 address.
#ifndef TOKENWARDEN_SERVER_HTTP_SOURCE_LIMITER_H_
#define TOKENWARDEN_SERVER_HTTP_SOURCE_LIMITER_H_

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "base/mutex.h"

namespace tokenwarden::server::http {

// SourceKey names a source: 4 bytes of IPv4 address or 8 bytes of IPv6 prefix, tagged.
struct SourceKey {
  std::array<uint8_t, 9> bytes = {};  // [0]: 4 or 6, then the address bytes that count
  bool operator==(const SourceKey& other) const = default;
};

// SourceKeyOf returns the key of a peer address; false for families other than IPv4/IPv6.
bool SourceKeyOf(const sockaddr* address, SourceKey& key);

// Thread-safety: thread-safe (every worker's accept path calls it).
class SourceLimiter {
 public:
  // `max_per_source` 0 turns the limit off: Acquire always succeeds and counts nothing.
  explicit SourceLimiter(size_t max_per_source) : max_(max_per_source) {}
  bool enabled() const { return max_ != 0; }
  // Acquire counts one more connection from `key`, or returns false (counting nothing) when
  // that source already has max_per_source open.
  bool Acquire(const SourceKey& key);
  // Release forgets one connection counted by a successful Acquire.
  void Release(const SourceKey& key);
  // Sources is the number of sources with connections open (for tests).
  size_t Sources();

 private:
  struct Hash {
    size_t operator()(const SourceKey& key) const;
  };
  const size_t max_;
  base::Mutex mu_;
  std::unordered_map<SourceKey, uint32_t, Hash> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_SOURCE_LIMITER_H_
