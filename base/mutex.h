// File: base/mutex.h
// -----------------------------------------------------------------------------
// The annotated lock the core's cold paths, the server and the bindings share: Abseil's
// thread-safety annotations on a mutex that TSan can see.
#ifndef TOKENWARDEN_BASE_MUTEX_H_
#define TOKENWARDEN_BASE_MUTEX_H_

#include <mutex>

#include <absl/base/thread_annotations.h>

namespace tokenwarden::base {

// Mutex is std::mutex with Abseil's thread-safety annotations. We do not use absl::Mutex:
// Debian ships abseil prebuilt without ThreadSanitizer instrumentation, so TSan cannot see the
// ordering an absl::Mutex provides and reports races that are not there. std::mutex sits on
// pthread_mutex, which TSan intercepts.
class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// MutexLock holds `mu` for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_MUTEX_H_
