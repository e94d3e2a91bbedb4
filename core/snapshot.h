#ifndef TOKENWARDEN_CORE_SNAPSHOT_H_
#define TOKENWARDEN_CORE_SNAPSHOT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include <absl/base/thread_annotations.h>

#include "base/mutex.h"

namespace tokenwarden {

// Published holds the current immutable snapshot of a T (a KeySet, an issuer's Verifier) and
// publishes replacements with one atomic version bump. Readers never lock and never touch a
// reference count on the hot path: each reader thread keeps a SnapshotReader, which holds its
// own std::shared_ptr to the snapshot it last saw and re-reads (under the mutex, once per
// publication) only when the version moved.
//
// Reclamation: a snapshot is freed when the last reader that cached it moves on (its next Get
// after a publication) or is destroyed, and the publisher holds no reference. A validation in
// flight keeps the raw pointer Get returned; it stays valid because only the same thread can
// replace its reader's cached snapshot (by calling Get again).
//
// Why not std::atomic<std::shared_ptr>: on GCC 12 it is not lock-free; and an atomic
// shared_ptr load is a reference-count RMW on one shared cache line per read.
// Thread-safety: Publish and SnapshotReader::Get may run concurrently from any threads.
template <typename T>
class Published {
 public:
  explicit Published(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  // Publish makes `next` the snapshot every reader sees from its next Get on.
  void Publish(std::shared_ptr<const T> next) {
    std::shared_ptr<const T> old;
    {
      base::MutexLock lock(&mu_);
      old = std::exchange(current_, std::move(next));
      version_.fetch_add(1, std::memory_order_release);
    }
    // `old` is released outside the lock; readers still holding it keep it alive.
  }

  // Current returns the current snapshot with a reference (cold paths, tests).
  std::shared_ptr<const T> Current() const {
    base::MutexLock lock(&mu_);
    return current_;
  }

  // version counts publications; it moves on every Publish.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  template <typename U>
  friend class SnapshotReader;

  // One load of this line per read; written only on Publish.
  alignas(64) std::atomic<uint64_t> version_{1};
  mutable base::Mutex mu_;
  std::shared_ptr<const T> current_ ABSL_GUARDED_BY(mu_);
};

// SnapshotReader is one thread's view of a Published<T>. Keep it with the thread's other
// per-thread state (the scratch); never share it.
// Thread-safety: none; one thread at a time.
template <typename T>
class SnapshotReader {
 public:
  // Get returns the current snapshot: one atomic load when nothing changed since this
  // reader's last Get. The pointer stays valid until this reader's next Get or destruction.
  const T* Get(const Published<T>& source) {
    const uint64_t v = source.version_.load(std::memory_order_acquire);
    if (v != version_ || source_ != &source) {
      base::MutexLock lock(&source.mu_);
      snapshot_ = source.current_;
      version_ = source.version_.load(std::memory_order_relaxed);
      source_ = &source;
    }
    return snapshot_.get();
  }

  // Release drops the cached snapshot (e.g. before a thread goes idle for long).
  void Release() {
    snapshot_.reset();
    version_ = 0;
    source_ = nullptr;
  }

 private:
  const Published<T>* source_ = nullptr;
  uint64_t version_ = 0;
  std::shared_ptr<const T> snapshot_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_SNAPSHOT_H_
