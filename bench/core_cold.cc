// tokenwarden_core_cold: the core's cold rate over a token file, the denominator of the
// bindings' "binding ÷ core" ratios (bench/bindings). The same inputs the bindings get:
//
//   tokenwarden_core_cold --jwks bench/fixtures/jwks.json --alg RS256
//       --tokens build/bench/distinct/rs256.jwts [--single] [--seconds 2] [--runs 3]
//       [--issuer URL] [--audience AUD]
//
// Every token is validated by one tokenwarden::Validator with the cache off (issuer,
// audience and the one algorithm of the manifest required, as in tokenwarden_bench's
// BM_Cold), round-robin over the file's lines; --single repeats the first line instead.
// --issuer and --audience name other tokens' (bench/serve_bench.py: the server's cold path
// against the core's, on the same tokens).
// Prints one JSON object: the median of --runs runs of --seconds each, in validations per
// second of this process's CPU time (as the bindings' benches count theirs: on a shared
// machine, time spent waiting for a core is nobody's cost). `now` is the wall clock, read
// per validation as the bindings read it.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/key_set.h"
#include "core/validator.h"

namespace tokenwarden::bench {
namespace {

constexpr char kIssuer[] = "https://bench.tokenwarden.example";
constexpr char kAudience[] = "bench-api";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Run is one timed run: validations per CPU-second, and how many were made.
struct Run {
  double rate = -1;
  size_t validations = 0;
};

// RunOnce validates round-robin for `seconds`; its rate is -1 when a token is refused (the
// inputs are wrong: a rate over rejections would mean nothing).
Run RunOnce(const Validator& validator, const std::vector<std::string>& tokens, double seconds) {
  ValidatorScratch scratch(validator);
  ValidationResult result;
  const double start = CpuSeconds();
  size_t done = 0;
  size_t next = 0;
  for (;;) {
    // Chunks of 256 between clock reads keep the clock out of the measurement.
    for (int i = 0; i < 256; ++i) {
      if (validator.Validate(tokens[next], UnixNowFractional(), scratch, result) != Error::kOk) {
        return {};
      }
      next = next + 1 == tokens.size() ? 0 : next + 1;
    }
    done += 256;
    const double elapsed = CpuSeconds() - start;
    if (elapsed >= seconds) {
      return {static_cast<double>(done) / elapsed, done};
    }
  }
}

int Main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--seconds", "2"}, {"--runs", "3"}, {"--issuer", kIssuer}, {"--audience", kAudience}};
  bool single = false;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--single") {
      single = true;
    } else if (i + 1 < argc) {
      args[name] = argv[++i];
    }
  }
  if (args.count("--jwks") == 0 || args.count("--tokens") == 0 || args.count("--alg") == 0) {
    std::fprintf(stderr,
                 "usage: %s --jwks FILE --tokens FILE --alg ALG [--single] "
                 "[--seconds S] [--runs N] [--issuer URL] [--audience AUD]\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> tokens = ReadLines(args["--tokens"]);
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = KeySet::FromJwks(ReadFile(args["--jwks"]));
  absl::StatusOr<AlgorithmSet> algs = AlgorithmSet::Parse(args["--alg"]);
  if (tokens.empty() || !keys.ok() || !algs.ok()) {
    std::fprintf(stderr, "core_cold: no tokens, or unusable keys or algorithm\n");
    return 1;
  }
  if (single) {
    tokens.resize(1);
  }
  Policy policy;
  policy.issuer = args["--issuer"];
  policy.audiences = {args["--audience"]};
  policy.algorithms = *algs;
  ValidatorOptions off;
  off.cache = false;
  absl::StatusOr<std::unique_ptr<Validator>> validator = Validator::Create(policy, *keys, off);
  if (!validator.ok()) {
    std::fprintf(stderr, "core_cold: %s\n", std::string(validator.status().message()).c_str());
    return 1;
  }
  std::vector<Run> runs;
  size_t validations = 0;
  for (int run = 0; run < std::max(1, std::atoi(args["--runs"].c_str())); ++run) {
    runs.push_back(RunOnce(**validator, tokens, std::atof(args["--seconds"].c_str())));
    if (runs.back().rate < 0) {
      std::fprintf(stderr, "core_cold: a token was refused\n");
      return 1;
    }
    validations += runs.back().validations;
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.rate < b.rate; });
  // `validations` (all runs') lets an instruction count be divided per validation: two runs
  // under callgrind with different --seconds, their difference over the difference of this.
  std::printf("{\"alg\": \"%s\", \"tokens\": %zu, \"per_second\": %.0f, \"validations\": %zu}\n",
              args["--alg"].c_str(), tokens.size(), runs[runs.size() / 2].rate, validations);
  return 0;
}

}  // namespace
}  // namespace tokenwarden::bench

int main(int argc, char** argv) { return tokenwarden::bench::Main(argc, argv); }
