// The hot path against its floor, in one binary so ratios are stable on a noisy machine.
// Headline cases walk a set of distinct tokens per algorithm round-robin (bench/distinct_set.h):
//   BM_Floor/<ALG>/distinct     BoringSSL alone: digest + verify of each token's signing input
//                               with the same prepared key (bench/floor.h)
//   BM_Cold/<ALG>/distinct      tokenwarden::Validator with the cache off: the whole pipeline
//   BM_CacheHit/<ALG>/distinct  the same tokens, every one of them served by the cache
//   BM_Parse/<ALG>/distinct     ParsedToken::Parse alone (split, strict base64url, header,
//                               the strict claims pass): where a cold validation's time goes
//                               besides the signature; one thread
// each with 1 and 2 threads, thread i pinned to the i-th CPU (bench/cpu_pin.h). Secondary
// cases use the single fixture token of bench/fixtures (the same one the peers' single-token
// row gets): BM_Floor/BM_Cold/BM_CacheHit/<ALG>, BM_Reject/<ALG> (one flipped signature bit:
// a reject must not cost more), and token sizes (HS256/ES256, 300 B to 4 KiB).
// Every case reports real time, so floor and cold are read on the same clock; bench/compare
// runs them as interleaved repetitions and reads medians.
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/mutex.h"
#include "base/read_file.h"
#include "bench/alloc_counter.h"
#include "bench/cpu_pin.h"
#include "bench/distinct_set.h"
#include "bench/floor.h"
#include "core/key_set.h"
#include "core/parsed_token.h"
#include "core/validator.h"
#include "tests/source_path.h"

namespace tokenwarden::bench {
namespace {

constexpr int64_t kNow = 1767225660;  // manifest "now"
constexpr char kIssuer[] = "https://bench.tokenwarden.example";
constexpr char kAudience[] = "bench-api";
constexpr const char* kAlgs[] = {"RS256", "PS256", "ES256", "ES384",
                                 "EdDSA", "HS256", "HS384", "HS512"};
// The cache of BM_CacheHit holds 64 times the 1,000-token sets, so every token of a set has
// its place (4-way sets: a set overflowing would need 5 of 1,000 tokens in one of 16,384).
constexpr size_t kCacheEntries = 1 << 16;

// The distinct sets, loaded once by main before any benchmark runs.
std::map<std::string, std::vector<std::string>>* g_distinct = nullptr;

std::string ReadFixture(const std::string& name) {
  std::string s, why;
  if (!base::ReadBoundedFile(SourcePath("bench/fixtures/" + name), 1 << 20, s, why)) {
    return "";  // the case then fails its checks and says so
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

std::string LowerAlg(std::string alg) {
  for (char& c : alg) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return alg;
}

// Case is what one benchmark case shares across its threads and repetitions: a token set
// (the distinct set, or the one fixture token), its validators and its floor inputs, all
// checked once before anything is timed.
struct Case {
  std::vector<std::string> tokens;
  std::vector<std::string> bad_tokens;  // each token with one signature bit flipped
  std::shared_ptr<const KeySet> keys;
  std::unique_ptr<Validator> cold;    // cache off
  std::unique_ptr<Validator> cached;  // cache on, holding every token of the set
  std::optional<FloorInputs> floor;
  size_t longest = 0;       // index of the longest token: a scratch's warm-up
  std::string error;        // why the case cannot run; empty when it can
  std::string cache_error;  // why BM_CacheHit cannot run (the cache misses tokens)
};

// CheckCache validates every token of `c` into the cache, then again: every one must now come
// from the cache, or BM_CacheHit would time misses.
std::string CheckCache(const Case& c) {
  ValidatorScratch scratch(*c.cached);
  ValidationResult result;
  for (const std::string& t : c.tokens) {
    (void)c.cached->Validate(t, kNow, scratch, result);
  }
  size_t misses = 0;
  for (const std::string& t : c.tokens) {
    misses += c.cached->Validate(t, kNow, scratch, result) != Error::kOk || !result.cache_hit;
  }
  if (misses == 0) {
    return "";
  }
  return std::to_string(misses) + " of " + std::to_string(c.tokens.size()) +
         " tokens missed the cache after they were validated into it";
}

// CheckCase validates every token of `c` cold and verifies every floor input: a benchmark of
// a path that fails measures nothing.
std::string CheckCase(const Case& c) {
  ValidatorScratch cold(*c.cold);
  ValidationResult result;
  for (const std::string& t : c.tokens) {
    if (c.cold->Validate(t, kNow, cold, result) != Error::kOk) {
      return "a token of the set does not validate";
    }
  }
  FloorVerifier floor(*c.floor);
  for (size_t i = 0; i < c.floor->size(); ++i) {
    if (!floor.Verify(i)) {
      return "a floor input does not verify";
    }
  }
  return "";
}

void BuildCase(const std::string& alg_name, Case& c) {
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    std::string bad = c.tokens[i];
    bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
    c.bad_tokens.push_back(std::move(bad));
    c.longest = c.tokens[i].size() > c.tokens[c.longest].size() ? i : c.longest;
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(ReadFixture("jwks.json"));
  const std::optional<Algorithm> alg = ParseAlgorithm(alg_name);
  std::array<const Key*, 1> key{};
  if (!keys.ok() || !alg.has_value() ||
      (*keys)->Select(*alg, "bench-" + LowerAlg(alg_name), key) != 1) {
    c.error = "no bench key for " + alg_name;
    return;
  }
  c.keys = *keys;
  Policy policy;
  policy.issuer = kIssuer;
  policy.audiences = {kAudience};
  policy.algorithms = *AlgorithmSet::Parse(alg_name);
  ValidatorOptions off;
  off.cache = false;
  ValidatorOptions on;
  on.cache_options.max_entries = kCacheEntries;
  c.cold = *Validator::Create(policy, c.keys, off);
  c.cached = *Validator::Create(policy, c.keys, on);
  absl::StatusOr<FloorInputs> floor = FloorInputs::Create(*alg, *key[0], c.tokens);
  if (!floor.ok()) {
    c.error = std::string(floor.status().message());
    return;
  }
  c.floor = std::move(*floor);
  c.error = c.tokens.empty() ? "no tokens" : CheckCase(c);
  c.cache_error = c.error.empty() ? CheckCache(c) : c.error;
}

// GetCase returns the case of `alg` over `file` (a fixture token) or, with `file` empty, over
// the distinct set; the first caller builds it.
const Case& GetCase(const std::string& alg, const std::string& file) {
  static auto* cases = new std::map<std::string, std::unique_ptr<Case>>();
  static base::Mutex mu;
  base::MutexLock lock(&mu);
  std::unique_ptr<Case>& c = (*cases)[alg + "/" + file];
  if (c == nullptr) {
    c = std::make_unique<Case>();
    c->tokens = file.empty() ? g_distinct->at(alg) : std::vector<std::string>{ReadFixture(file)};
    BuildCase(alg, *c);
  }
  return *c;
}

// Start is where thread `state.thread_index()` begins in a set of `n`: threads start apart, so
// two threads never walk the same tokens in lockstep.
size_t Start(const benchmark::State& state, size_t n) {
  return n * static_cast<size_t>(state.thread_index()) / static_cast<size_t>(state.threads());
}

// Ready pins this thread and says whether the case can run (else the benchmark is skipped,
// with the reason).
bool Ready(benchmark::State& state, const Case& c, const ScopedCpuPin& pin) {
  const std::string& why = !c.error.empty() ? c.error : pin.error();
  if (!why.empty()) {
    state.SkipWithError(why.c_str());
    return false;
  }
  return true;
}

void Report(benchmark::State& state, uint64_t bytes, uint64_t failures, const char* failure) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  if (failures != 0) {
    state.SkipWithError(failure);
  }
}

// RunValidator validates `tokens` round-robin; every validation must return `want`, and with
// `want_hit` come from the cache.
void RunValidator(benchmark::State& state, const Case& c, const Validator& validator,
                  const std::vector<std::string>& tokens, Error want, bool want_hit) {
  ScopedCpuPin pin(state.thread_index());
  if (!Ready(state, c, pin)) {
    return;
  }
  ValidatorScratch scratch(validator);
  ValidationResult result;
  (void)validator.Validate(tokens[c.longest], kNow, scratch, result);  // size the scratch
  const size_t n = tokens.size();
  size_t i = Start(state, n);
  uint64_t failures = 0, bytes = 0;
  const uint64_t allocations = ThreadAllocations();
  for (auto _ : state) {
    const Error err = validator.Validate(tokens[i], kNow, scratch, result);
    failures += (err != want) | (want_hit & !result.cache_hit);
    bytes += tokens[i].size();
    i = i + 1 == n ? 0 : i + 1;
  }
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(ThreadAllocations() - allocations) /
                         static_cast<double>(std::max<int64_t>(state.iterations(), 1)));
  Report(state, bytes, failures,
         want_hit ? "a validation missed the cache or failed" : "unexpected validation result");
}

void BM_Cold(benchmark::State& state, std::string alg, std::string file) {
  const Case& c = GetCase(alg, file);
  RunValidator(state, c, *c.cold, c.tokens, Error::kOk, false);
}

void BM_CacheHit(benchmark::State& state, std::string alg, std::string file) {
  const Case& c = GetCase(alg, file);
  if (!c.cache_error.empty()) {
    state.SkipWithError(c.cache_error.c_str());
    return;
  }
  RunValidator(state, c, *c.cached, c.tokens, Error::kOk, true);
}

void BM_Reject(benchmark::State& state, std::string alg, std::string file) {
  const Case& c = GetCase(alg, file);
  RunValidator(state, c, *c.cold, c.bad_tokens, Error::kInvalidSignature, false);
}

// BM_Floor walks the same tokens as BM_Cold with the same bookkeeping, but verifies each with
// BoringSSL alone (bench/floor.h).
void BM_Floor(benchmark::State& state, std::string alg, std::string file) {
  const Case& c = GetCase(alg, file);
  ScopedCpuPin pin(state.thread_index());
  if (!Ready(state, c, pin)) {
    return;
  }
  FloorVerifier floor(*c.floor);
  const size_t n = c.tokens.size();
  size_t i = Start(state, n);
  uint64_t failures = 0, bytes = 0;
  for (auto _ : state) {
    failures += !floor.Verify(i);
    bytes += c.tokens[i].size();
    i = i + 1 == n ? 0 : i + 1;
  }
  Report(state, bytes, failures, "a floor verification failed");
}

// BM_Parse takes the same tokens apart as BM_Cold does before its signature check, and stops
// there (every token must parse cleanly).
void BM_Parse(benchmark::State& state, std::string alg, std::string file) {
  const Case& c = GetCase(alg, file);
  ScopedCpuPin pin(state.thread_index());
  if (!Ready(state, c, pin)) {
    return;
  }
  ParsedToken parsed;
  const size_t n = c.tokens.size();
  size_t i = Start(state, n);
  uint64_t failures = 0, bytes = 0;
  for (auto _ : state) {
    parsed.Parse(c.tokens[i], kDefaultMaxTokenBytes);
    failures += !parsed.claims_parsed() | !parsed.header_parsed();
    bytes += c.tokens[i].size();
    i = i + 1 == n ? 0 : i + 1;
  }
  Report(state, bytes, failures, "a token did not parse");
}

void Register() {
  using Fn = void (*)(benchmark::State&, std::string, std::string);
  const std::pair<const char*, Fn> families[] = {
      {"BM_Floor", BM_Floor}, {"BM_Cold", BM_Cold}, {"BM_CacheHit", BM_CacheHit}};
  for (const char* alg : kAlgs) {
    for (const auto& [family, fn] : families) {
      const std::string name = std::string(family) + "/" + alg + "/distinct";
      benchmark::RegisterBenchmark(name.c_str(), fn, alg, "")
          ->UseRealTime()
          ->Threads(1)
          ->Threads(2);
    }
    benchmark::RegisterBenchmark((std::string("BM_Parse/") + alg + "/distinct").c_str(), BM_Parse,
                                 alg, "")
        ->UseRealTime()
        ->Threads(1);
  }
  for (const char* alg : kAlgs) {
    const std::string file = LowerAlg(alg) + ".jwt";
    for (const auto& [family, fn] : families) {
      auto* b =
          benchmark::RegisterBenchmark((std::string(family) + "/" + alg).c_str(), fn, alg, file);
      b->UseRealTime()->Threads(1);
      if (fn != BM_Floor) {
        b->Threads(2);
      }
    }
    benchmark::RegisterBenchmark((std::string("BM_Reject/") + alg).c_str(), BM_Reject, alg, file)
        ->UseRealTime()
        ->Threads(1);
  }
  for (const char* alg : {"HS256", "ES256"}) {
    for (int size : {300, 1024, 2048, 4096}) {
      const std::string file = "sizes/" + LowerAlg(alg) + "_" + std::to_string(size) + ".jwt";
      const std::string name = std::string("/") + alg + "/bytes:" + std::to_string(size);
      benchmark::RegisterBenchmark(("BM_Cold" + name).c_str(), BM_Cold, alg, file)
          ->UseRealTime()
          ->Threads(1);
      benchmark::RegisterBenchmark(("BM_CacheHit" + name).c_str(), BM_CacheHit, alg, file)
          ->UseRealTime()
          ->Threads(1);
    }
  }
}

// LoadDistinctSets reads every algorithm's set, or says in one line how to make them.
bool LoadDistinctSets() {
  const std::string dir = DistinctSetDir();
  g_distinct = new std::map<std::string, std::vector<std::string>>();
  for (const char* alg : kAlgs) {
    std::string why;
    if (!LoadDistinctSet(dir, alg, (*g_distinct)[alg], why)) {
      std::fprintf(stderr, "tokenwarden_bench: %s; make the distinct token sets with: %s\n",
                   why.c_str(), MakeDistinctCommand(dir).c_str());
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace tokenwarden::bench

int main(int argc, char** argv) {
  if (!tokenwarden::bench::LoadDistinctSets()) {
    return 2;
  }
  tokenwarden::bench::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
