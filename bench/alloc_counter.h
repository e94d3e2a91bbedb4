#ifndef TOKENWARDEN_BENCH_ALLOC_COUNTER_H_
#define TOKENWARDEN_BENCH_ALLOC_COUNTER_H_

#include <cstdint>

namespace tokenwarden::bench {

// ThreadAllocations returns how many times this thread called operator new so far (the bench
// binary replaces the global operator new to count; see alloc_counter.cc).
uint64_t ThreadAllocations();

}  // namespace tokenwarden::bench

#endif  // TOKENWARDEN_BENCH_ALLOC_COUNTER_H_
