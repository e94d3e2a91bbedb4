// JwsSigner: what one signed answer (RFC 9701) costs per algorithm, on the keys of
// bench/fixtures. BM_Sign/<ALG> signs an introspection-sized payload: the whole Sign call
// (header, two base64url encodings, the signature), as /introspect makes it per request.
#include <string>

#include <benchmark/benchmark.h>

#include "base/read_file.h"
#include "core/algorithm.h"
#include "core/jws_signer.h"
#include "tests/source_path.h"

namespace tokenwarden::bench {
namespace {

// kPayload is a signed answer's claims around a typical active RFC 7662 answer.
constexpr char kPayload[] =
    R"({"iss":"https://tokenwarden.example","aud":"gateway","iat":1767225660,)"
    R"("token_introspection":{"active":true,"iss":"https://bench.tokenwarden.example",)"
    R"("sub":"user-1","aud":"bench-api","client_id":"bench-app","scope":"orders:read )"
    R"(orders:write","iat":1767225600,"exp":1767232800,"jti":"Zm9vYmFyYmF6cXV4",)"
    R"("token_type":"Bearer"}})";

void BM_Sign(benchmark::State& state, Algorithm alg, const char* key_file) {
  std::string pem, why;
  if (!base::ReadBoundedFile(SourcePath(std::string("bench/fixtures/") + key_file), 1 << 20, pem,
                             why)) {
    state.SkipWithError(why.c_str());
    return;
  }
  absl::StatusOr<JwsSigner> signer = JwsSigner::FromPrivatePem(pem, alg, "bench");
  if (!signer.ok()) {
    state.SkipWithError(std::string(signer.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<std::string> jws = signer->Sign("token-introspection+jwt", kPayload);
    benchmark::DoNotOptimize(jws);
  }
  state.SetItemsProcessed(state.iterations());  // prints signatures/s
}

BENCHMARK_CAPTURE(BM_Sign, ES256, Algorithm::kEs256, "es256.key.pem");
BENCHMARK_CAPTURE(BM_Sign, EdDSA, Algorithm::kEdDsa, "eddsa.key.pem");
BENCHMARK_CAPTURE(BM_Sign, RS256, Algorithm::kRs256, "rs256.key.pem");
BENCHMARK_CAPTURE(BM_Sign, PS256, Algorithm::kPs256, "ps256.key.pem");

}  // namespace
}  // namespace tokenwarden::bench

BENCHMARK_MAIN();
