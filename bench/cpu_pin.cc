#include "bench/cpu_pin.h"

#include <pthread.h>

#include <cstring>

namespace tokenwarden::bench {
namespace {

// StartupMask is the CPUs the process was started with, read once by the first pin (before
// any thread is pinned): a thread's own mask may already be a single CPU, e.g. a worker
// spawned while the main thread was pinned.
const cpu_set_t& StartupMask() {
  static const cpu_set_t mask = [] {
    cpu_set_t m;
    CPU_ZERO(&m);
    if (sched_getaffinity(0, sizeof(m), &m) != 0) {
      CPU_ZERO(&m);  // no CPU: every pin then fails and says so
    }
    return m;
  }();
  return mask;
}

}  // namespace

ScopedCpuPin::ScopedCpuPin(int index) {
  const cpu_set_t& allowed = StartupMask();
  int seen = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpu_ < 0; ++cpu) {
    if (CPU_ISSET(cpu, &allowed) && seen++ == index) {
      cpu_ = cpu;
    }
  }
  if (cpu_ < 0) {
    error_ = "thread " + std::to_string(index) + " needs a CPU of its own; the process may use " +
             std::to_string(CPU_COUNT(&allowed));
    return;
  }
  if (pthread_getaffinity_np(pthread_self(), sizeof(previous_), &previous_) != 0) {
    error_ = "pthread_getaffinity_np failed";
    cpu_ = -1;
    return;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu_, &one);
  if (const int err = pthread_setaffinity_np(pthread_self(), sizeof(one), &one); err != 0) {
    error_ = std::string("pthread_setaffinity_np: ") + std::strerror(err);
    cpu_ = -1;
    return;
  }
  restore_ = true;
}

ScopedCpuPin::~ScopedCpuPin() {
  if (restore_) {
    pthread_setaffinity_np(pthread_self(), sizeof(previous_), &previous_);
  }
}

}  // namespace tokenwarden::bench
