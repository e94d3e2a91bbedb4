#include "server/http/source_limiter.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/mutex.h"

namespace tokenwarden::server::http {

bool SourceKeyOf(const sockaddr* address, SourceKey& key) {
  key = SourceKey();
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    key.bytes[0] = 4;
    std::memcpy(&key.bytes[1], &v4->sin_addr, 4);
    return true;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    const uint8_t* a = v6->sin6_addr.s6_addr;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, kMapped, sizeof(kMapped)) == 0) {
      key.bytes[0] = 4;
      std::memcpy(&key.bytes[1], a + 12, 4);
    } else {
      key.bytes[0] = 6;
      std::memcpy(&key.bytes[1], a, 8);  // the /64 prefix
    }
    return true;
  }
  return false;
}

size_t SourceLimiter::Hash::operator()(const SourceKey& key) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()));
}

bool SourceLimiter::Acquire(const SourceKey& key) {
  if (max_ == 0) {
    return true;
  }
  base::MutexLock lock(&mu_);
  uint32_t& count = open_[key];
  if (count >= max_) {
    return false;  // count > 0 here, so the entry stays meaningful
  }
  ++count;
  return true;
}

void SourceLimiter::Release(const SourceKey& key) {
  if (max_ == 0) {
    return;
  }
  base::MutexLock lock(&mu_);
  const auto it = open_.find(key);
  if (it != open_.end() && --it->second == 0) {
    open_.erase(it);
  }
}

size_t SourceLimiter::Sources() {
  base::MutexLock lock(&mu_);
  return open_.size();
}

}  // namespace tokenwarden::server::http
