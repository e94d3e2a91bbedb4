#ifndef TOKENWARDEN_CORE_INTERNAL_EPOCH_H_
#define TOKENWARDEN_CORE_INTERNAL_EPOCH_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <absl/base/thread_annotations.h>

#include "base/mutex.h"

namespace tokenwarden::internal {

// EpochDomain is epoch-based reclamation for the shared token cache: readers announce the
// epoch they entered in their own cache-line-sized slot (a store, never a read-modify-write on
// shared memory); writers unlink an object, then Retire it, and it is deleted once every reader
// that was active when it was unlinked has left.
//
// Protocol (all seq_cst, so the reader's announce and the writer's scan are totally ordered):
// a reader stores global epoch E into its slot, then loads shared pointers; a writer swaps a
// pointer out, then takes R = global epoch and bumps it. The object is freed once no active
// slot holds an epoch <= R: such a reader may have loaded the old pointer, any later one
// cannot.
// Thread-safety: all members may be called concurrently; a Participant belongs to one thread.
class EpochDomain {
  // Slot is one participant's announcement: 0 = not reading, else the epoch it entered. One
  // cache line each, so readers never write a line another thread writes.
  struct alignas(64) Slot {
    std::atomic<uint64_t> epoch{0};
    std::atomic<bool> in_use{false};
  };

 public:
  static constexpr size_t kMaxParticipants = 256;

  EpochDomain() = default;
  EpochDomain(const EpochDomain&) = delete;
  EpochDomain& operator=(const EpochDomain&) = delete;
  // Frees every retired object; no Participant may outlive the domain.
  ~EpochDomain();

  // Participant is one reader thread's registration. When all kMaxParticipants slots are taken
  // it is unregistered and callers must not read protected pointers (the cache then misses).
  class Participant {
   public:
    explicit Participant(EpochDomain& domain);
    ~Participant();
    Participant(const Participant&) = delete;
    Participant& operator=(const Participant&) = delete;

    bool registered() const { return slot_ != nullptr; }

   private:
    friend class EpochDomain;
    EpochDomain& domain_;
    Slot* slot_ = nullptr;
  };

  // Guard is one read section of a registered participant: protected pointers loaded while it
  // lives stay valid until it is destroyed.
  class Guard {
   public:
    explicit Guard(Participant& participant);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    Slot* slot_;
  };

  // Retire schedules `deleter(object)` for when no reader can still hold `object`, which the
  // caller has already made unreachable.
  void Retire(void* object, void (*deleter)(void*));

  // Reclaim deletes what is safe to delete now; returns how many objects remain pending.
  size_t Reclaim();

 private:
  struct Retired {
    void* object;
    void (*deleter)(void*);
    uint64_t epoch;
  };
  // Reclaim when this many objects wait, so retiring stays amortized O(1).
  static constexpr size_t kReclaimBatch = 64;

  size_t ReclaimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  alignas(64) std::atomic<uint64_t> global_{1};
  std::array<Slot, kMaxParticipants> slots_;
  base::Mutex mu_;
  std::vector<Retired> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenwarden::internal

#endif  // TOKENWARDEN_CORE_INTERNAL_EPOCH_H_
