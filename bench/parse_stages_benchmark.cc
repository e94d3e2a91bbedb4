// Inside BM_Parse (bench/verifier_benchmark.cc): its stages over the same distinct tokens,
// one thread, so the README can say where a parse's time goes with a command behind it.
//   BM_Stage/SplitDecode/<ALG>   split the token and strictly decode payload and signature
//   BM_Stage/ClaimsPass/<ALG>    the strict claims pass (ReadClaimsJson) on decoded payloads
//   BM_Stage/ByteWalk/<ALG>      the same with the byte walk alone, without the compact
//                                reader (core/internal/compact_claims.h) in front of it
//   BM_Stage/SimdjsonDom/<ALG>   for scale: simdjson's DOM parse of the same payloads, which
//                                validates as strictly but keeps neither the values' exact
//                                text nor the duplicate-name check
//   BM_Stage/SimdjsonStage1/<ALG>  and its stage 1 alone (the structural index, UTF-8): what
//                                an index-driven claims pass would pay before reading a byte
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "base/base64url.h"
#include "bench/distinct_set.h"
#include "core/compact.h"
#include "core/internal/claims_reader.h"

namespace tokenwarden::bench {
namespace {

constexpr const char* kStageAlgs[] = {"HS256", "RS256"};

// Set is one algorithm's tokens, and their payloads decoded once, each with simdjson's
// padding after it.
struct Set {
  std::vector<std::string> tokens;
  std::vector<std::string> payloads;
  std::string error;
};

const Set& SetOf(const std::string& alg) {
  static auto* sets = new std::vector<std::pair<std::string, Set>>();
  for (const auto& [name, set] : *sets) {
    if (name == alg) {
      return set;
    }
  }
  Set set;
  if (LoadDistinctSet(DistinctSetDir(), alg, set.tokens, set.error)) {
    for (const std::string& token : set.tokens) {
      const std::optional<CompactParts> parts = SplitCompact(token);
      const std::optional<std::string> payload =
          parts.has_value() ? base::Base64UrlDecodeToString(parts->payload) : std::nullopt;
      if (!payload.has_value()) {
        set.error = "a token of the set does not split and decode";
        break;
      }
      set.payloads.push_back(*payload);
      set.payloads.back().reserve(payload->size() + simdjson::SIMDJSON_PADDING);
    }
  }
  sets->emplace_back(alg, std::move(set));
  return sets->back().second;
}

// Walk runs `ok(i)` on items 0, 1, ... round-robin over `count` items of `alg`'s set, and
// fails the case with `failure` when any call returned false.
template <typename Ok>
void Walk(benchmark::State& state, const Set& set, size_t count, const char* failure, Ok ok) {
  if (!set.error.empty()) {
    state.SkipWithError(set.error.c_str());
    return;
  }
  size_t i = 0;
  uint64_t failures = 0;
  for (auto _ : state) {
    failures += !ok(i);
    i = i + 1 == count ? 0 : i + 1;
  }
  if (failures != 0) {
    state.SkipWithError(failure);
  }
}

void BM_SplitDecode(benchmark::State& state, std::string alg) {
  const Set& set = SetOf(alg);
  std::vector<uint8_t> out(1 << 14);
  Walk(state, set, set.tokens.size(), "a token did not decode", [&](size_t i) {
    const std::optional<CompactParts> parts = SplitCompact(set.tokens[i]);
    const bool ok = parts.has_value() && base::Base64UrlDecode(parts->payload, out.data()) &&
                    base::Base64UrlDecode(parts->signature, out.data() + (1 << 13));
    benchmark::DoNotOptimize(out.data());
    return ok;
  });
}

// ReadEach reads every payload of `alg`'s set round-robin; `byte_walk_only` as in
// ClaimsStorage.
void ReadEach(benchmark::State& state, const std::string& alg, bool byte_walk_only) {
  const Set& set = SetOf(alg);
  internal::ClaimsStorage storage;
  storage.byte_walk_only = byte_walk_only;
  Claims claims;
  std::string_view detail;
  Walk(state, set, set.payloads.size(), "a payload was refused", [&](size_t i) {
    return internal::ReadClaimsJson(set.payloads[i], claims, storage, detail) == Error::kOk;
  });
}

void BM_ClaimsPass(benchmark::State& state, std::string alg) { ReadEach(state, alg, false); }
void BM_ByteWalk(benchmark::State& state, std::string alg) { ReadEach(state, alg, true); }

void BM_SimdjsonDom(benchmark::State& state, std::string alg) {
  const Set& set = SetOf(alg);
  simdjson::dom::parser parser;
  Walk(state, set, set.payloads.size(), "simdjson refused a payload", [&](size_t i) {
    simdjson::dom::element root;
    return parser.parse(set.payloads[i].data(), set.payloads[i].size(), false).get(root) ==
           simdjson::SUCCESS;
  });
}

void BM_SimdjsonStage1(benchmark::State& state, std::string alg) {
  const Set& set = SetOf(alg);
  std::unique_ptr<simdjson::internal::dom_parser_implementation> impl;
  if (simdjson::get_active_implementation()->create_dom_parser_implementation(1 << 14, 64, impl) !=
      simdjson::SUCCESS) {
    state.SkipWithError("no stage 1");
    return;
  }
  Walk(state, set, set.payloads.size(), "stage 1 refused a payload", [&](size_t i) {
    return impl->stage1(reinterpret_cast<const uint8_t*>(set.payloads[i].data()),
                        set.payloads[i].size(),
                        simdjson::stage1_mode::regular) == simdjson::SUCCESS;
  });
}

[[maybe_unused]] const bool kRegistered = [] {
  for (const char* alg : kStageAlgs) {
    const std::string suffix = std::string("/") + alg;
    benchmark::RegisterBenchmark(("BM_Stage/SplitDecode" + suffix).c_str(), BM_SplitDecode, alg);
    benchmark::RegisterBenchmark(("BM_Stage/ClaimsPass" + suffix).c_str(), BM_ClaimsPass, alg);
    benchmark::RegisterBenchmark(("BM_Stage/ByteWalk" + suffix).c_str(), BM_ByteWalk, alg);
    benchmark::RegisterBenchmark(("BM_Stage/SimdjsonDom" + suffix).c_str(), BM_SimdjsonDom, alg);
    benchmark::RegisterBenchmark(("BM_Stage/SimdjsonStage1" + suffix).c_str(), BM_SimdjsonStage1,
                                 alg);
  }
  return true;
}();

}  // namespace
}  // namespace tokenwarden::bench
