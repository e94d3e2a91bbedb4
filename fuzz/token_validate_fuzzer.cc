// Full validation of arbitrary bytes as a compact JWS, against a fixed JWK Set holding an RSA,
// an EC P-256, an Ed25519 and an HMAC key, under a policy with every claim rule switched on.
// Differential: a Validator with the verified-token cache must agree with one without it,
// on the first call (a miss) and on the second (a hit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/key_set.h"
#include "core/policy.h"
#include "core/validator.h"
#include "fuzz/fuzz_support.h"

namespace {

using tokenwarden::Error;
using tokenwarden::Validator;

struct Targets {
  std::unique_ptr<Validator> cached;
  std::unique_ptr<Validator> uncached;
  std::unique_ptr<tokenwarden::ValidatorScratch> cached_scratch;
  std::unique_ptr<tokenwarden::ValidatorScratch> uncached_scratch;
};

Targets& Get() {
  static Targets* targets = [] {
    auto keys = tokenwarden::KeySet::FromJwks(tokenwarden::fuzz::ReadFixture("jwks.json"));
    if (!keys.ok()) {
      std::abort();
    }
    tokenwarden::Policy policy;
    policy.issuer = "https://issuer.example";
    policy.audiences = {"api://fuzz"};
    policy.leeway_seconds = 30;
    policy.required_scopes = {"read"};
    tokenwarden::ValidatorOptions with_cache;
    tokenwarden::ValidatorOptions without_cache;
    without_cache.cache = false;
    auto* t = new Targets;
    auto a = Validator::Create(policy, *keys, with_cache);
    auto b = Validator::Create(policy, *keys, without_cache);
    if (!a.ok() || !b.ok()) {
      std::abort();
    }
    t->cached = *std::move(a);
    t->uncached = *std::move(b);
    t->cached_scratch = std::make_unique<tokenwarden::ValidatorScratch>(*t->cached);
    t->uncached_scratch = std::make_unique<tokenwarden::ValidatorScratch>(*t->uncached);
    // The seeds must reach the end of the pipeline: a known-good token has to pass.
    std::string valid = tokenwarden::fuzz::ReadFixture("valid_token.txt");
    while (!valid.empty() && (valid.back() == '\n' || valid.back() == '\r')) {
      valid.pop_back();
    }
    tokenwarden::ValidationResult r;
    if (t->uncached->Validate(valid, tokenwarden::fuzz::kNow, *t->uncached_scratch, r) !=
        Error::kOk) {
      std::fprintf(stderr, "fuzz: fuzz/data/valid_token.txt does not validate: %.*s\n",
                   static_cast<int>(r.detail.size()), r.detail.data());
      std::abort();
    }
    return t;
  }();
  return *targets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Targets& t = Get();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  tokenwarden::ValidationResult a, b, c;
  const Error plain = t.uncached->Validate(token, tokenwarden::fuzz::kNow, *t.uncached_scratch, b);
  const Error miss = t.cached->Validate(token, tokenwarden::fuzz::kNow, *t.cached_scratch, a);
  const Error hit = t.cached->Validate(token, tokenwarden::fuzz::kNow, *t.cached_scratch, c);
  if (plain != miss || miss != hit) {
    std::abort();  // the cache must never change a verdict
  }
  if (plain == Error::kOk && (b.payload_json != c.payload_json)) {
    std::abort();
  }
  // A hit returns the same typed view a verification made (restored, not parsed again).
  if (plain == Error::kOk) {
    const tokenwarden::Claims& x = b.claims();
    const tokenwarden::Claims& y = c.claims();
    if (!c.cache_hit || x.iss != y.iss || x.sub != y.sub || x.jti != y.jti || x.exp != y.exp ||
        x.ClientId() != y.ClientId() || x.scope != y.scope || x.cnf != y.cnf ||
        !std::equal(x.aud.begin(), x.aud.end(), y.aud.begin(), y.aud.end()) ||
        !std::equal(x.scopes.begin(), x.scopes.end(), y.scopes.begin(), y.scopes.end()) ||
        x.members.size() != y.members.size()) {
      std::abort();
    }
    for (size_t i = 0; i < x.members.size(); ++i) {
      if (x.members[i].name != y.members[i].name || x.members[i].value != y.members[i].value) {
        std::abort();
      }
    }
  }
  return 0;
}
