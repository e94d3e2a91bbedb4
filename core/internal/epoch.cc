#include "core/internal/epoch.h"

#include <algorithm>
#include <limits>

namespace tokenwarden::internal {

EpochDomain::~EpochDomain() {
  base::MutexLock lock(&mu_);
  for (const Retired& r : retired_) {
    r.deleter(r.object);
  }
  retired_.clear();
}

EpochDomain::Participant::Participant(EpochDomain& domain) : domain_(domain) {
  for (Slot& slot : domain_.slots_) {
    bool expected = false;
    if (!slot.in_use.load(std::memory_order_relaxed) &&
        slot.in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
      slot_ = &slot;
      return;
    }
  }
}

EpochDomain::Participant::~Participant() {
  if (slot_ != nullptr) {
    slot_->epoch.store(0, std::memory_order_release);
    slot_->in_use.store(false, std::memory_order_release);
  }
}

EpochDomain::Guard::Guard(Participant& participant) : slot_(participant.slot_) {
  // seq_cst: the announce must be ordered before this thread's later pointer loads against a
  // writer's unlink + scan (a store-load pair; acquire/release alone would allow reordering).
  slot_->epoch.store(participant.domain_.global_.load(std::memory_order_seq_cst),
                     std::memory_order_seq_cst);
}

EpochDomain::Guard::~Guard() { slot_->epoch.store(0, std::memory_order_release); }

void EpochDomain::Retire(void* object, void (*deleter)(void*)) {
  base::MutexLock lock(&mu_);
  const uint64_t epoch = global_.fetch_add(1, std::memory_order_seq_cst);
  retired_.push_back(Retired{object, deleter, epoch});
  if (retired_.size() >= kReclaimBatch) {
    ReclaimLocked();
  }
}

size_t EpochDomain::Reclaim() {
  base::MutexLock lock(&mu_);
  return ReclaimLocked();
}

size_t EpochDomain::ReclaimLocked() {
  uint64_t oldest_active = std::numeric_limits<uint64_t>::max();
  for (const Slot& slot : slots_) {
    const uint64_t e = slot.epoch.load(std::memory_order_seq_cst);
    if (e != 0) {
      oldest_active = std::min(oldest_active, e);
    }
  }
  // An object retired at epoch R may still be held by a reader that entered at E <= R.
  auto keep = std::partition(retired_.begin(), retired_.end(),
                             [&](const Retired& r) { return r.epoch >= oldest_active; });
  for (auto it = keep; it != retired_.end(); ++it) {
    it->deleter(it->object);
  }
  retired_.erase(keep, retired_.end());
  return retired_.size();
}

}  // namespace tokenwarden::internal
