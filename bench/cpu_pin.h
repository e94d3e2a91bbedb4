// File: bench/cpu_pin.h
// -----------------------------------------------------------------------------
// ScopedCpuPin: how the benchmarks keep their threads apart. A 2-thread run only measures
// scaling if its threads run on two CPUs, and a 1-thread run is only comparable with it if
// it runs on one of the same CPUs, so every pinned benchmark thread i is bound to the i-th
// CPU the process may use (sched_getaffinity order) with pthread_setaffinity_np.
#ifndef TOKENWARDEN_BENCH_CPU_PIN_H_
#define TOKENWARDEN_BENCH_CPU_PIN_H_

#include <sched.h>

#include <string>

namespace tokenwarden::bench {

// ScopedCpuPin binds the calling thread to the `index`-th CPU of the process's affinity mask
// and gives the thread its previous mask back when it goes out of scope (Google Benchmark
// runs thread 0 on the main thread, which must not stay pinned for the next benchmark).
// Thread-safety: one object per thread, destroyed on the thread that made it.
class ScopedCpuPin {
 public:
  explicit ScopedCpuPin(int index);
  ~ScopedCpuPin();
  ScopedCpuPin(const ScopedCpuPin&) = delete;
  ScopedCpuPin& operator=(const ScopedCpuPin&) = delete;

  // ok says whether the thread is pinned; otherwise error() says why (too few CPUs, or the
  // system call's error).
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // cpu is the CPU number the thread is bound to (-1 unless ok()).
  int cpu() const { return cpu_; }

 private:
  cpu_set_t previous_;
  bool restore_ = false;
  int cpu_ = -1;
  std::string error_;
};

}  // namespace tokenwarden::bench

#endif  // TOKENWARDEN_BENCH_CPU_PIN_H_
