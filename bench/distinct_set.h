// File: bench/distinct_set.h
// -----------------------------------------------------------------------------
// The headline benchmarks' input: per algorithm, a set of distinct tokens signed by one key
// (bench/make_distinct.py writes them). One token repeated flatters every cache and branch
// predictor; real traffic is thousands of distinct tokens from a handful of keys, so the
// benchmarks walk the whole set round-robin.
#ifndef TOKENWARDEN_BENCH_DISTINCT_SET_H_
#define TOKENWARDEN_BENCH_DISTINCT_SET_H_

#include <string>
#include <string_view>
#include <vector>

namespace tokenwarden::bench {

// DistinctSetDir is the directory holding the sets: $TW_BENCH_DISTINCT when set, else the
// source tree's build/bench/distinct (make_distinct.py's default).
std::string DistinctSetDir();

// DistinctSetFile is the path of `alg`'s set in `dir`: <dir>/<alg in lower case>.jwts.
std::string DistinctSetFile(const std::string& dir, std::string_view alg);

// LoadDistinctSet reads `alg`'s set from `dir` into `out`: one compact token per line. It
// returns false with `why` when the file is missing, unreadable, empty, holds a line that
// cannot be a token (empty, or longer than 64 KiB), or repeats a token.
bool LoadDistinctSet(const std::string& dir, std::string_view alg, std::vector<std::string>& out,
                     std::string& why);

// MakeDistinctCommand is the one command that writes the sets into `dir`, for messages.
std::string MakeDistinctCommand(const std::string& dir);

}  // namespace tokenwarden::bench

#endif  // TOKENWARDEN_BENCH_DISTINCT_SET_H_
