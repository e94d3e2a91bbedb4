#include "server/keys/backoff.h"

#include <algorithm>

namespace tokenwarden::server::keys {

int64_t BackoffMs(int failures, int64_t initial_ms, int64_t max_ms, double unit) {
  int64_t base = std::max<int64_t>(initial_ms, 1);
  for (int i = 1; i < failures && base < max_ms; ++i) {
    base *= 2;
  }
  base = std::min(base, max_ms);
  unit = std::clamp(unit, 0.0, 1.0);
  return base / 2 + static_cast<int64_t>(static_cast<double>(base - base / 2) * unit);
}

}  // namespace tokenwarden::server::keys
