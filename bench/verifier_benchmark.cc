// The hot path against its floor, in one binary so ratios are stable on a noisy machine:
//   BM_Floor/<ALG>     BoringSSL alone: digest + verify of the same signing input, same key
//   BM_Cold/<ALG>      tokenwarden::Validator with the cache off: the whole pipeline
//   BM_CacheHit/<ALG>  the same token again, served by the verified-token cache
//   BM_Reject/<ALG>    a token with one flipped signature bit (a reject must not cost more)
// plus token sizes (HS256/ES256, 300 B to 4 KiB) and 1 vs 2 threads. Inputs come from
// bench/fixtures (bench/make_fixtures.py), the same tokens and keys the peers get.
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "base/base64url.h"
#include "bench/alloc_counter.h"
#include "core/compact.h"
#include "core/key_set.h"
#include "core/validator.h"

namespace tokenwarden::bench {
namespace {

constexpr int64_t kNow = 1767225660;  // manifest "now"
constexpr char kIssuer[] = "https://bench.tokenwarden.example";
constexpr char kAudience[] = "bench-api";

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(TW_BENCH_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
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

// Setup is what one benchmark case shares across its threads.
struct Setup {
  std::string token;
  std::string bad_token;  // one signature bit flipped
  std::shared_ptr<const KeySet> keys;
  std::unique_ptr<Validator> cold;    // cache off
  std::unique_ptr<Validator> cached;  // cache on, warmed
};

const Setup& GetSetup(const std::string& alg, const std::string& token_file) {
  static std::map<std::string, std::unique_ptr<Setup>>* setups =
      new std::map<std::string, std::unique_ptr<Setup>>();
  static base::Mutex mu;
  base::MutexLock lock(&mu);
  std::unique_ptr<Setup>& s = (*setups)[token_file];
  if (s != nullptr) {
    return *s;
  }
  s = std::make_unique<Setup>();
  s->token = ReadFixture(token_file);
  s->bad_token = s->token;
  char& last = s->bad_token[s->bad_token.size() - 2];
  last = last == 'A' ? 'B' : 'A';
  s->keys = *KeySet::FromJwks(ReadFixture("jwks.json"));
  Policy policy;
  policy.issuer = kIssuer;
  policy.audiences = {kAudience};
  policy.algorithms = *AlgorithmSet::Parse(alg);
  ValidatorOptions off;
  off.cache = false;
  s->cold = *Validator::Create(policy, s->keys, off);
  s->cached = *Validator::Create(policy, s->keys, ValidatorOptions{});
  return *s;
}

void ReportAllocations(benchmark::State& state, uint64_t before) {
  state.counters["allocs/op"] = benchmark::Counter(
      static_cast<double>(ThreadAllocations() - before) / static_cast<double>(state.iterations()));
}

void RunValidator(benchmark::State& state, const Validator& validator, const std::string& token,
                  Error want) {
  ValidatorScratch scratch(validator);
  ValidationResult result;
  if (validator.Validate(token, kNow, scratch, result) != want) {
    state.SkipWithError("unexpected result on the first validation");
    return;
  }
  const uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    benchmark::DoNotOptimize(validator.Validate(token, kNow, scratch, result));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(token.size()));
  ReportAllocations(state, before);
}

void BM_Cold(benchmark::State& state, std::string alg, std::string file) {
  const Setup& s = GetSetup(alg, file);
  RunValidator(state, *s.cold, s.token, Error::kOk);
}

void BM_CacheHit(benchmark::State& state, std::string alg, std::string file) {
  const Setup& s = GetSetup(alg, file);
  RunValidator(state, *s.cached, s.token, Error::kOk);
}

void BM_Reject(benchmark::State& state, std::string alg, std::string file) {
  const Setup& s = GetSetup(alg, file);
  RunValidator(state, *s.cold, s.bad_token, Error::kInvalidSignature);
}

// BM_Floor is BoringSSL alone on the same signing input with the same prepared key: the
// digest and the verify, nothing else (the signature is decoded once, outside the loop).
void BM_Floor(benchmark::State& state, std::string alg_name, std::string file) {
  const Setup& s = GetSetup(alg_name, file);
  const Algorithm alg = *ParseAlgorithm(alg_name);
  const CompactParts parts = *SplitCompact(s.token);
  const std::string sig = *base::Base64UrlDecodeToString(parts.signature);
  const auto* input = reinterpret_cast<const uint8_t*>(parts.signing_input.data());
  const size_t input_len = parts.signing_input.size();
  const auto* sig_bytes = reinterpret_cast<const uint8_t*>(sig.data());
  const Key* key = nullptr;
  std::array<const Key*, 1> out;
  if (s.keys->Select(alg, "bench-" + LowerAlg(alg_name), out) == 1) {
    key = out[0];
  }
  if (key == nullptr) {
    state.SkipWithError("no key");
    return;
  }
  bssl::UniquePtr<ECDSA_SIG> ecdsa_sig;
  if (key->ec() != nullptr) {
    const size_t half = sig.size() / 2;
    ecdsa_sig.reset(ECDSA_SIG_new());
    BN_bin2bn(sig_bytes, half, ecdsa_sig->r);
    BN_bin2bn(sig_bytes + half, half, ecdsa_sig->s);
  }
  // HMAC's prepared key is an HMAC_CTX whose pads are computed once; HMAC_Init_ex with a null
  // key restores them for each message, as BoringSSL documents.
  bssl::ScopedHMAC_CTX hmac;
  if (alg == Algorithm::kHs256) {
    HMAC_Init_ex(hmac.get(), key->secret().data(), key->secret().size(), EVP_sha256(), nullptr);
  }
  uint8_t digest[64];
  int ok = 0;
  for (auto _ : state) {
    switch (alg) {
      case Algorithm::kRs256:
        SHA256(input, input_len, digest);
        ok =
            RSA_verify(NID_sha256, digest, 32, sig_bytes, sig.size(), const_cast<RSA*>(key->rsa()));
        break;
      case Algorithm::kPs256:
        SHA256(input, input_len, digest);
        ok = RSA_verify_pss_mgf1(const_cast<RSA*>(key->rsa()), digest, 32, EVP_sha256(),
                                 EVP_sha256(), 32, sig_bytes, sig.size());
        break;
      case Algorithm::kEs256:
        SHA256(input, input_len, digest);
        ok = ECDSA_do_verify(digest, 32, ecdsa_sig.get(), key->ec());
        break;
      case Algorithm::kEs384:
        SHA384(input, input_len, digest);
        ok = ECDSA_do_verify(digest, 48, ecdsa_sig.get(), key->ec());
        break;
      case Algorithm::kEdDsa:
        ok = ED25519_verify(input, input_len, sig_bytes, key->ed25519().data());
        break;
      case Algorithm::kHs256: {
        unsigned len = 0;
        HMAC_Init_ex(hmac.get(), nullptr, 0, nullptr, nullptr);
        HMAC_Update(hmac.get(), input, input_len);
        HMAC_Final(hmac.get(), digest, &len);
        ok = CRYPTO_memcmp(digest, sig_bytes, 32) == 0;
        break;
      }
      default:
        state.SkipWithError("no floor for this algorithm");
        return;
    }
    benchmark::DoNotOptimize(ok);
  }
  if (ok != 1) {
    state.SkipWithError("floor verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void Register() {
  for (const char* alg : {"RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"}) {
    const std::string file = LowerAlg(alg) + ".jwt";
    const std::string name = std::string("/") + alg;
    benchmark::RegisterBenchmark(("BM_Floor" + name).c_str(), BM_Floor, alg, file);
    benchmark::RegisterBenchmark(("BM_Cold" + name).c_str(), BM_Cold, alg, file)
        ->ThreadRange(1, 2)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_CacheHit" + name).c_str(), BM_CacheHit, alg, file)
        ->ThreadRange(1, 2)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_Reject" + name).c_str(), BM_Reject, alg, file);
  }
  for (const char* alg : {"HS256", "ES256"}) {
    for (int size : {300, 1024, 2048, 4096}) {
      const std::string file = "sizes/" + LowerAlg(alg) + "_" + std::to_string(size) + ".jwt";
      const std::string name = std::string("/") + alg + "/bytes:" + std::to_string(size);
      benchmark::RegisterBenchmark(("BM_Cold" + name).c_str(), BM_Cold, alg, file);
      benchmark::RegisterBenchmark(("BM_CacheHit" + name).c_str(), BM_CacheHit, alg, file);
    }
  }
}

}  // namespace
}  // namespace tokenwarden::bench

int main(int argc, char** argv) {
  tokenwarden::bench::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
