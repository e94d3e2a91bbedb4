#include "core/issuer_set.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <gtest/gtest.h>

#include "base/str_cat.h"
#include "tests/core/claims_description.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using base::StrCat;
using testing::B64;
using testing::DescribeToken;
using testing::EcKey;
using testing::EcKeyB;
using testing::JwksOf;
using testing::kNow;
using testing::MintAlg;
using testing::MustJwks;
using testing::RsaKey;
using testing::TestKey;

constexpr std::string_view kIssA = "https://a.example";
constexpr std::string_view kIssB = "https://b.example";
constexpr std::string_view kIssC = "https://c.example";

// Each issuer signs with its own key and kid: A ES256 "a", B ES256 "b", C RS256 "c".
struct Signer {
  const TestKey& key;
  Algorithm alg;
  std::string_view kid;
};
Signer SignerA() { return {EcKey(Algorithm::kEs256), Algorithm::kEs256, "a"}; }
Signer SignerB() { return {EcKeyB(), Algorithm::kEs256, "b"}; }
Signer SignerC() { return {RsaKey(), Algorithm::kRs256, "c"}; }

std::string Sign(const Signer& s, std::string_view payload) {
  return MintAlg(s.alg, s.key, payload, s.kid);
}

// Payload is a valid claims set of issuer `iss` with `extra` members appended.
std::string Payload(std::string_view iss, std::string_view extra = "") {
  return StrCat(R"({"iss":")", iss, R"(","sub":"user-1","exp":)", kNow + 3600, extra, "}");
}

std::shared_ptr<Validator> MakeValidator(std::string_view iss, const Signer& s,
                                         size_t max_token_bytes = kDefaultMaxTokenBytes) {
  Policy policy;
  policy.issuer = std::string(iss);
  policy.max_token_bytes = max_token_bytes;
  absl::StatusOr<std::unique_ptr<Validator>> v =
      Validator::Create(policy, MustJwks(JwksOf({s.key.Jwk(s.kid)})));
  EXPECT_TRUE(v.ok()) << v.status();
  return std::shared_ptr<Validator>(*std::move(v));
}

IssuerSet MustCreate(std::vector<IssuerEntry> entries) {
  absl::StatusOr<IssuerSet> set = IssuerSet::Create(std::move(entries));
  EXPECT_TRUE(set.ok()) << set.status();
  return *std::move(set);
}

IssuerSet OneIssuer() {
  return MustCreate({{std::string(kIssA), MakeValidator(kIssA, SignerA())}});
}

IssuerSet ThreeIssuers(size_t max_a = kDefaultMaxTokenBytes, size_t max_b = kDefaultMaxTokenBytes,
                       size_t max_c = kDefaultMaxTokenBytes) {
  return MustCreate({{std::string(kIssA), MakeValidator(kIssA, SignerA(), max_a)},
                     {std::string(kIssB), MakeValidator(kIssB, SignerB(), max_b)},
                     {std::string(kIssC), MakeValidator(kIssC, SignerC(), max_c)}});
}

// SizedToken is a token of `s` for `iss`, `target` characters long or up to two more.
std::string SizedToken(const Signer& s, std::string_view iss, size_t target) {
  const auto payload = [&](size_t pad) {
    return Payload(iss, StrCat(R"(,"pad":")", std::string(pad, 'p'), "\""));
  };
  const size_t unpadded = payload(0).size();
  const size_t fixed = Sign(s, payload(0)).size() - B64(payload(0)).size();
  size_t pad = 0;
  while (fixed + (4 * (unpadded + pad) + 2) / 3 < target) {
    ++pad;
  }
  return Sign(s, payload(pad));
}

// Outcome is one Route + Validate and how many payloads it parsed.
struct Outcome {
  Error error = Error::kOk;
  bool cache_hit = false;
  uint64_t reads = 0;
  int issuer = -1;
};

Outcome RouteAndValidate(const IssuerSet& set, IssuerSetScratch& scratch, std::string_view token,
                         ValidationResult& out, const Requirements& requirements = {}) {
  Outcome o;
  const uint64_t before = scratch.payload_reads();
  const IssuerSet::Routing routing = set.Route(token, scratch);
  o.issuer = routing.issuer;
  if (routing.issuer < 0) {
    ADD_FAILURE() << "not routed: " << token;
    return o;
  }
  o.error = set.Validate(routing, kNow, scratch, out, requirements);
  o.cache_hit = out.cache_hit;
  o.reads = scratch.payload_reads() - before;
  return o;
}

TEST(IssuerSetTest, CreateRejectsBadSets) {
  const auto a = MakeValidator(kIssA, SignerA());
  const auto b = MakeValidator(kIssB, SignerB());
  EXPECT_EQ(IssuerSet::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      IssuerSet::Create({{std::string(kIssA), a}, {std::string(kIssB), nullptr}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IssuerSet::Create({{"", a}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IssuerSet::Create({{std::string(kIssA), a}, {std::string(kIssA), b}}).status().code(),
            absl::StatusCode::kInvalidArgument);

  absl::StatusOr<IssuerSet> ok =
      IssuerSet::Create({{std::string(kIssA), a}, {std::string(kIssB), b}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ(ok->Find(kIssB, Claims{}), 1);
  EXPECT_EQ(ok->Find("https://B.example", Claims{}), -1);
}

TEST(IssuerSetTest, OneIssuerRoutesWithoutParsing) {
  const IssuerSet set = OneIssuer();
  IssuerSetScratch scratch(set);
  for (const std::string& token :
       {Sign(SignerA(), Payload(kIssA)), Sign(SignerA(), Payload(kIssB)), std::string("garbage")}) {
    const IssuerSet::Routing r = set.Route(token, scratch);
    EXPECT_EQ(r.issuer, 0);
    EXPECT_EQ(r.parsed, nullptr);
    EXPECT_EQ(r.error, Error::kOk);
    EXPECT_EQ(r.token, token);
  }
  EXPECT_EQ(scratch.payload_reads(), 0u);

  // Routing to the only issuer trusts nothing: its Validator still checks iss.
  ValidationResult out;
  const std::string foreign = Sign(SignerA(), Payload(kIssB));
  EXPECT_EQ(set.Validate(set.Route(foreign, scratch), kNow, scratch, out), Error::kInvalidIssuer);

  // parse=true parses even a single issuer's token, once.
  const uint64_t before = scratch.payload_reads();
  const IssuerSet::Routing parsed = set.Route(foreign, scratch, /*parse=*/true);
  EXPECT_EQ(parsed.issuer, 0);
  ASSERT_NE(parsed.parsed, nullptr);
  EXPECT_EQ(parsed.parsed->claims().iss, kIssB);
  EXPECT_EQ(scratch.payload_reads() - before, 1u);
}

// With one issuer nothing is read before validation; a rejected token whose iss names
// another issuer (or none) is disowned, as Route would have with several: "issuer not
// trusted", whatever else the Validator found first. No parse beyond the Validator's.
TEST(IssuerSetTest, OneIssuerDisownsTokensOfOtherIssuers) {
  const IssuerSet set = OneIssuer();
  IssuerSetScratch scratch(set);
  const Signer a = SignerA();
  const struct {
    std::string token;
    Error error;  // the Validator's own verdict
    bool disowned;
  } kCases[] = {
      {Sign(a, Payload(kIssB)), Error::kInvalidIssuer, true},  // our key, their iss
      {Sign(SignerB(), Payload(kIssB)), Error::kKeyNotFound, true},
      {MintAlg(a.alg, EcKeyB(), Payload(kIssB), "a"), Error::kInvalidSignature, true},
      {testing::Assemble(R"({"alg":"none"})", Payload(kIssB), ""), Error::kUnsupportedAlgorithm,
       true},
      {Sign(a, testing::ValidClaims()), Error::kInvalidIssuer, true},  // no iss
      {Sign(SignerB(), Payload(kIssA)), Error::kKeyNotFound, false},   // ours, wrong key
      {Sign(a, Payload(kIssA, R"(,"nbf":99999999999)")), Error::kNotYetValid, false},
      {Sign(a, R"({"iss":"https://b.example","exp":"x"})"), Error::kMalformed, false},
      {"garbage", Error::kMalformed, false},
      {Sign(a, Payload(kIssA)), Error::kOk, false},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.token);
    ValidationResult out;
    const uint64_t before = scratch.payload_reads();
    const IssuerSet::Routing r = set.Route(c.token, scratch);
    EXPECT_EQ(set.Validate(r, kNow, scratch, out), c.error) << out.detail;
    EXPECT_EQ(set.Disowns(r, out), c.disowned);
    EXPECT_LE(scratch.payload_reads() - before, 1u);
    // A parsed routing (a revocation's) is disowned alike.
    const IssuerSet::Routing parsed = set.Route(c.token, scratch, /*parse=*/true);
    EXPECT_EQ(set.Validate(parsed, kNow, scratch, out), c.error);
    EXPECT_EQ(set.Disowns(parsed, out), c.disowned);
  }

  // A cache hit's iss was vouched for when it was cached: never disowned, even rejected.
  const std::string token = Sign(a, Payload(kIssA));
  ValidationResult out;
  ASSERT_EQ(set.Validate(set.Route(token, scratch), kNow, scratch, out), Error::kOk);
  const IssuerSet::Routing r = set.Route(token, scratch);
  EXPECT_EQ(set.Validate(r, kNow + 7200, scratch, out), Error::kExpired);
  EXPECT_TRUE(out.cache_hit);
  EXPECT_FALSE(set.Disowns(r, out));
}

// ByIss routes by the token's own iss even with one issuer, as Route does with several: an
// issuer that must never judge another's token (one judged by introspection) asks it.
TEST(IssuerSetTest, ByIssRoutesByIssEvenWithOneIssuer) {
  const IssuerSet one = OneIssuer();
  const IssuerSet three = ThreeIssuers();
  IssuerSetScratch scratch_one(one);
  IssuerSetScratch scratch_three(three);
  const Signer a = SignerA();
  const struct {
    std::string token;
    int issuer;   // what ByIss says with one issuer (A) ...
    Error error;  // ... and why not, as Route says with three
  } kCases[] = {
      {Sign(a, Payload(kIssA)), 0, Error::kOk},
      {Sign(a, Payload("https://d.example")), -1, Error::kInvalidIssuer},
      {Sign(a, testing::ValidClaims()), -1, Error::kInvalidIssuer},  // no iss
      {Sign(a, "not json"), -1, Error::kMalformed},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.token);
    const IssuerSet::Routing routed = one.Route(c.token, scratch_one, /*parse=*/true);
    EXPECT_EQ(routed.issuer, 0);  // the shortcut, whatever the token says
    const IssuerSet::Routing by_iss = one.ByIss(routed);
    EXPECT_EQ(by_iss.issuer, c.issuer);
    EXPECT_EQ(by_iss.error, c.error);
    EXPECT_EQ(by_iss.parsed, routed.parsed);  // the same parse, not a second one
    const IssuerSet::Routing several = three.Route(c.token, scratch_three);
    EXPECT_EQ(several.error, c.error);
    EXPECT_EQ(several.detail, by_iss.detail);
  }
}

// With several issuers Route has already chosen by iss: Disowns never applies.
TEST(IssuerSetTest, SeveralIssuersNeverDisown) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  ValidationResult out;
  const std::string token = Sign(SignerA(), Payload(kIssB));  // routing views it
  const IssuerSet::Routing r = set.Route(token, scratch);
  ASSERT_EQ(r.issuer, 1);
  EXPECT_EQ(set.Validate(r, kNow, scratch, out), Error::kKeyNotFound);
  EXPECT_FALSE(set.Disowns(r, out));
}

// The routing's detail for a token that cannot be routed says what is wrong with it.
TEST(IssuerSetTest, UnroutableTokenSaysWhy) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  const IssuerSet::Routing jwe = set.Route("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", scratch);
  EXPECT_EQ(jwe.error, Error::kMalformed);
  EXPECT_NE(jwe.detail.find("JWE"), std::string_view::npos) << jwe.detail;
  const std::string token = Sign(SignerA(), testing::ValidClaims());
  const IssuerSet::Routing no_iss = set.Route(token, scratch);
  EXPECT_EQ(no_iss.error, Error::kInvalidIssuer);
  EXPECT_EQ(no_iss.detail, "the token has no iss claim");
}

TEST(IssuerSetTest, RoutesByExactIss) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  constexpr Error kOk = Error::kOk;
  constexpr Error kUnknown = Error::kInvalidIssuer;
  constexpr Error kMalformed = Error::kMalformed;
  const struct {
    std::string token;
    int issuer;
    Error error;  // why no issuer was chosen
  } kCases[] = {
      {Sign(SignerA(), Payload(kIssA)), 0, kOk},
      {Sign(SignerB(), Payload(kIssB)), 1, kOk},
      {Sign(SignerC(), Payload(kIssC)), 2, kOk},
      // The unescaped value is what is compared.
      {Sign(SignerB(), Payload(R"(https:\/\/b.example)")), 1, kOk},
      // A bad header does not stop routing; the Validator rejects it.
      {testing::Assemble(R"({"alg":"none"})", Payload(kIssB), ""), 1, kOk},
      {Sign(SignerA(), Payload("https://a.example/")), -1, kUnknown},
      {Sign(SignerA(), Payload("https://a.example/x")), -1, kUnknown},
      {Sign(SignerA(), Payload("https://a.exampl")), -1, kUnknown},
      {Sign(SignerA(), Payload("HTTPS://A.EXAMPLE")), -1, kUnknown},
      {Sign(SignerA(), Payload("https://A.example")), -1, kUnknown},
      {Sign(SignerA(), Payload(" https://a.example")), -1, kUnknown},
      {Sign(SignerA(), Payload("")), -1, kUnknown},
      {Sign(SignerA(), testing::ValidClaims()), -1, kUnknown},  // no iss
      // A payload that cannot be read names no issuer: malformed, not "unknown issuer".
      {Sign(SignerA(), R"({"iss":["https://a.example"]})"), -1, kMalformed},  // not a string
      {Sign(SignerA(), R"({"iss":"https://a.example","exp":"x"})"), -1, kMalformed},
      {"garbage", -1, kMalformed},
      {"a.b", -1, kMalformed},
      {"a.b.c", -1, kMalformed},
      {"", -1, kMalformed},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.token);
    const IssuerSet::Routing r = set.Route(c.token, scratch);
    EXPECT_EQ(r.issuer, c.issuer);
    EXPECT_NE(r.parsed, nullptr);
    EXPECT_EQ(r.error, c.error);
    EXPECT_EQ(r.detail.empty(), c.error == kOk);
    if (c.issuer >= 0) {
      EXPECT_EQ(r.parsed->claims().iss, set.entry(c.issuer).issuer);
    }
  }

  ValidationResult out;
  const std::string alg_none = testing::Assemble(R"({"alg":"none"})", Payload(kIssB), "");
  EXPECT_EQ(set.Validate(set.Route(alg_none, scratch), kNow, scratch, out),
            Error::kUnsupportedAlgorithm);
}

// Routing asks the same issuer rule as the policy: an alias and a tenant template (filled
// with the token's tid) route to their issuer, whose Validator then checks iss again.
TEST(IssuerSetTest, RoutesByAliasAndTenantTemplate) {
  constexpr std::string_view kTid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  Policy google;
  google.issuer = "https://accounts.google.com";
  google.issuer_aliases = {"accounts.google.com"};
  Policy entra;
  entra.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
  const auto make = [](const Policy& p, const Signer& s) {
    absl::StatusOr<std::unique_ptr<Validator>> v =
        Validator::Create(p, MustJwks(JwksOf({s.key.Jwk(s.kid)})));
    EXPECT_TRUE(v.ok()) << v.status();
    return std::shared_ptr<Validator>(*std::move(v));
  };
  const IssuerSet set = MustCreate({{std::string(kIssA), MakeValidator(kIssA, SignerA())},
                                    {*google.issuer, make(google, SignerB())},
                                    {*entra.issuer, make(entra, SignerC())}});
  IssuerSetScratch scratch(set);
  ValidationResult out;
  Outcome o = RouteAndValidate(set, scratch, Sign(SignerB(), Payload("accounts.google.com")), out);
  EXPECT_EQ(o.issuer, 1);
  EXPECT_EQ(o.error, Error::kOk) << out.detail;
  const std::string tenant_iss = StrCat("https://login.microsoftonline.com/", kTid, "/v2.0");
  o = RouteAndValidate(
      set, scratch, Sign(SignerC(), Payload(tenant_iss, StrCat(R"(,"tid":")", kTid, "\""))), out);
  EXPECT_EQ(o.issuer, 2);
  EXPECT_EQ(o.error, Error::kOk) << out.detail;
  // Another tenant's tid does not fill this iss: not routed to the template issuer.
  const IssuerSet::Routing r = set.Route(
      Sign(SignerC(), Payload(tenant_iss, R"(,"tid":"9188040d-6c67-4c5b-b112-36a304b66dad")")),
      scratch);
  EXPECT_EQ(r.issuer, -1);
}

TEST(IssuerSetTest, TooLargeOnlyOverEveryIssuersLimit) {
  const IssuerSet set = ThreeIssuers(/*max_a=*/2000, /*max_b=*/4000, /*max_c=*/6000);
  IssuerSetScratch scratch(set);
  ValidationResult out;

  // Over A's limit, under the largest: routed to A, whose Validator refuses it.
  const std::string big_a = SizedToken(SignerA(), kIssA, 3000);
  IssuerSet::Routing r = set.Route(big_a, scratch);
  EXPECT_EQ(r.error, Error::kOk);
  EXPECT_EQ(r.issuer, 0);
  EXPECT_EQ(set.Validate(r, kNow, scratch, out), Error::kTokenTooLarge);

  // Within C's limit: routed and valid.
  const std::string big_c = SizedToken(SignerC(), kIssC, 5900);
  ASSERT_LE(big_c.size(), 6000u);
  r = set.Route(big_c, scratch);
  EXPECT_EQ(r.error, Error::kOk);
  ASSERT_EQ(r.issuer, 2);
  EXPECT_EQ(set.Validate(r, kNow, scratch, out), Error::kOk);

  // Over every limit: too large, not routed, payload not read.
  const std::string huge = SizedToken(SignerC(), kIssC, 6001);
  ASSERT_GT(huge.size(), 6000u);
  const uint64_t before = scratch.payload_reads();
  r = set.Route(huge, scratch);
  EXPECT_EQ(r.error, Error::kTokenTooLarge);
  EXPECT_EQ(r.issuer, -1);
  EXPECT_EQ(scratch.payload_reads(), before);
}

TEST(IssuerSetTest, OneIssuersKeysNeverVerifyAnothersToken) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  ValidationResult out;
  const std::string by_b = Sign(SignerB(), Payload(kIssB));
  Outcome o = RouteAndValidate(set, scratch, by_b, out);
  EXPECT_EQ(o.issuer, 1);
  EXPECT_EQ(o.error, Error::kOk) << out.detail;
  EXPECT_EQ(out.claims().iss, kIssB);

  // Signed by another issuer's key, claiming to be B's: B's keys and allow-list decide, and
  // nothing of B's verifies it.
  const Signer a = SignerA();
  const std::vector<std::pair<std::string, Error>> forged = {
      {Sign(a, Payload(kIssB)), Error::kKeyNotFound},                          // A's kid
      {MintAlg(a.alg, a.key, Payload(kIssB)), Error::kInvalidSignature},       // no kid
      {MintAlg(a.alg, a.key, Payload(kIssB), "b"), Error::kInvalidSignature},  // B's kid
      // C's key and kid: RS256 is not among B's algorithms (its keys are ES256).
      {Sign(SignerC(), Payload(kIssB)), Error::kAlgorithmNotAllowed},
  };
  for (const auto& [token, error] : forged) {
    SCOPED_TRACE(token);
    for (int attempt = 0; attempt < 2; ++attempt) {  // and nothing was cached
      o = RouteAndValidate(set, scratch, token, out);
      EXPECT_EQ(o.issuer, 1);
      EXPECT_EQ(o.error, error);
      EXPECT_EQ(out.token.key, nullptr);
      EXPECT_FALSE(o.cache_hit);
    }
  }
}

// ExpectParses validates a fresh token of issuer `iss`, without and with requirements, once
// (a cache miss) and then three times (hits), and checks how many payloads each parsed.
void ExpectParses(const IssuerSet& set, IssuerSetScratch& scratch, const Signer& signer,
                  std::string_view iss, uint64_t reads_on_hit) {
  SCOPED_TRACE(iss);
  ValidationResult out;
  const std::vector<std::string> scopes = {"read"};
  const std::vector<std::string> audiences = {"api"};
  const Requirements none;
  const Requirements some{scopes, audiences};
  for (const Requirements* req : {&none, &some}) {
    const std::string token =
        Sign(signer, Payload(iss, StrCat(R"(,"scope":"read","aud":"api","jti":")",
                                         req == &none ? "1" : "2", "\"")));
    const Outcome miss = RouteAndValidate(set, scratch, token, out, *req);
    EXPECT_EQ(miss.error, Error::kOk) << out.detail;
    EXPECT_FALSE(miss.cache_hit);
    EXPECT_EQ(miss.reads, 1u);
    for (int i = 0; i < 3; ++i) {
      const Outcome hit = RouteAndValidate(set, scratch, token, out, *req);
      EXPECT_EQ(hit.error, Error::kOk) << out.detail;
      EXPECT_TRUE(hit.cache_hit);
      EXPECT_EQ(hit.reads, reads_on_hit);
    }
  }
}

TEST(IssuerSetTest, OneParsePerValidationWithOneIssuer) {
  const IssuerSet set = OneIssuer();
  IssuerSetScratch scratch(set);
  ExpectParses(set, scratch, SignerA(), kIssA, /*reads_on_hit=*/0);
}

TEST(IssuerSetTest, OneParsePerValidationWithThreeIssuers) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  // A hit costs the routing parse, nothing more.
  ExpectParses(set, scratch, SignerA(), kIssA, /*reads_on_hit=*/1);
  ExpectParses(set, scratch, SignerB(), kIssB, /*reads_on_hit=*/1);
  ExpectParses(set, scratch, SignerC(), kIssC, /*reads_on_hit=*/1);
  ValidationResult out;
  // A rejected token is never cached: one parse each time, still.
  const std::string forged = Sign(SignerA(), Payload(kIssB));
  for (int i = 0; i < 2; ++i) {
    const Outcome o = RouteAndValidate(set, scratch, forged, out);
    EXPECT_NE(o.error, Error::kOk);
    EXPECT_EQ(o.reads, 1u);
  }
}

TEST(IssuerSetTest, RevocationForAfterRoutingParsesOnce) {
  for (const bool three : {false, true}) {
    SCOPED_TRACE(three ? "three issuers" : "one issuer");
    const IssuerSet set = three ? ThreeIssuers() : OneIssuer();
    IssuerSetScratch scratch(set);
    const std::string token = Sign(SignerA(), Payload(kIssA, R"(,"jti":"r-1")"));
    const uint64_t before = scratch.payload_reads();
    const IssuerSet::Routing r = set.Route(token, scratch, /*parse=*/true);
    ASSERT_EQ(r.issuer, 0);
    ASSERT_NE(r.parsed, nullptr);
    const std::optional<Validator::Revocation> revocation = set.RevocationFor(r, kNow, scratch);
    EXPECT_EQ(scratch.payload_reads() - before, 1u);
    ASSERT_TRUE(revocation.has_value());
    EXPECT_EQ(revocation->expires_at, kNow + 3600 + 1);

    // The revocation is the token's: applying it rejects the token.
    ASSERT_TRUE(set.entry(0).validator->Revoke(revocation->key, revocation->expires_at, kNow).ok());
    ValidationResult out;
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out).error, Error::kRevoked);

    // A token A's keys do not verify has no revocation.
    const std::string forged = Sign(SignerB(), Payload(kIssA));
    EXPECT_FALSE(set.RevocationFor(set.Route(forged, scratch, true), kNow, scratch).has_value());
  }
}

TEST(IssuerSetTest, RequirementsReadScopeArrayScopeStringAndScp) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  const std::vector<std::string_view> grants = {
      R"(,"scope":["read","write"])", R"(,"scope":"read write")", R"(,"scp":["read","write"])",
      R"(,"scp":"read write")", R"(,"scope":"read","scp":["write"])"};
  const std::vector<std::string> read = {"read"};
  const std::vector<std::string> both = {"write", "read"};
  const std::vector<std::string> admin = {"read", "admin"};
  const std::vector<std::string> partial = {"rea"};
  for (std::string_view grant : grants) {
    SCOPED_TRACE(grant);
    const std::string token = Sign(SignerB(), Payload(kIssB, grant));
    ValidationResult out;
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {read, {}}).error, Error::kOk)
        << out.detail;
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {both, {}}).error, Error::kOk)
        << out.detail;
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {admin, {}}).error,
              Error::kInsufficientScope);
    EXPECT_FALSE(out.detail.empty());
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {partial, {}}).error,
              Error::kInsufficientScope);
  }
}

TEST(IssuerSetTest, RequirementsCheckAudiences) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  const std::vector<std::string> api2 = {"api-9", "api-2"};
  const std::vector<std::string> api9 = {"api-9"};
  ValidationResult out;
  for (std::string_view aud : {R"(,"aud":["api-1","api-2"])", R"(,"aud":"api-2")"}) {
    SCOPED_TRACE(aud);
    const std::string token = Sign(SignerC(), Payload(kIssC, aud));
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {{}, api2}).error, Error::kOk)
        << out.detail;
    EXPECT_EQ(RouteAndValidate(set, scratch, token, out, {{}, api9}).error,
              Error::kInvalidAudience);
  }
  const std::string no_aud = Sign(SignerC(), Payload(kIssC));
  EXPECT_EQ(RouteAndValidate(set, scratch, no_aud, out, {{}, api2}).error, Error::kInvalidAudience);
  EXPECT_EQ(RouteAndValidate(set, scratch, no_aud, out).error, Error::kOk);
}

TEST(IssuerSetTest, RequirementsAreCheckedOnCacheHits) {
  const IssuerSet set = ThreeIssuers();
  IssuerSetScratch scratch(set);
  const std::vector<std::string> read = {"read"};
  const std::vector<std::string> admin = {"admin"};
  const std::vector<std::string> api = {"api"};
  const std::vector<std::string> other = {"other-api"};
  const std::string token = Sign(SignerA(), Payload(kIssA, R"(,"scope":"read","aud":"api")"));
  ValidationResult out;

  Outcome o = RouteAndValidate(set, scratch, token, out);  // caches it
  ASSERT_EQ(o.error, Error::kOk);
  ASSERT_FALSE(o.cache_hit);
  o = RouteAndValidate(set, scratch, token, out, {admin, {}});
  EXPECT_EQ(o.error, Error::kInsufficientScope);
  EXPECT_TRUE(o.cache_hit);
  EXPECT_FALSE(out.detail.empty());
  o = RouteAndValidate(set, scratch, token, out, {{}, other});
  EXPECT_EQ(o.error, Error::kInvalidAudience);
  EXPECT_TRUE(o.cache_hit);
  // A failed requirement is the request's, not the token's: the entry still serves.
  o = RouteAndValidate(set, scratch, token, out, {read, api});
  EXPECT_EQ(o.error, Error::kOk) << out.detail;
  EXPECT_TRUE(o.cache_hit);
  EXPECT_TRUE(out.detail.empty());
  o = RouteAndValidate(set, scratch, token, out);
  EXPECT_EQ(o.error, Error::kOk);
  EXPECT_TRUE(o.cache_hit);
}

TEST(IssuerSetTest, CacheHitReturnsTheMissesTypedClaims) {
  const std::vector<std::string_view> extras = {
      R"(,"scope":["read","write"],"aud":["api-1","api-2"],"client_id":"c-1","azp":"z",)"
      R"("jti":"j\u002d1","big":123456789012345678901234567890,"nbf":1699999999.5)",
      R"(,"scp":"read write","aud":"api-1","cid":"okta-1","azp":"z","sid":"s-1",)"
      R"("cnf":{"jkt":"t"},"nested":{"a":[1,{"b":null}]})",
      R"(,"scope":"x","azp":"only-azp","sub\u00e9":"\u00e9")",
  };
  for (const bool three : {false, true}) {
    const IssuerSet set = three ? ThreeIssuers() : OneIssuer();
    IssuerSetScratch scratch(set);
    for (std::string_view extra : extras) {
      SCOPED_TRACE(extra);
      const std::string token = Sign(SignerA(), Payload(kIssA, extra));
      ValidationResult out;
      ASSERT_EQ(RouteAndValidate(set, scratch, token, out).error, Error::kOk) << out.detail;
      ASSERT_FALSE(out.cache_hit);
      const std::vector<std::string> miss = DescribeToken(out.token.header, out.claims());
      const std::string header_json(out.header_json), payload_json(out.payload_json);
      ASSERT_EQ(RouteAndValidate(set, scratch, token, out).error, Error::kOk) << out.detail;
      ASSERT_TRUE(out.cache_hit);
      EXPECT_EQ(DescribeToken(out.token.header, out.claims()), miss);
      EXPECT_EQ(out.header_json, header_json);
      EXPECT_EQ(out.payload_json, payload_json);
      EXPECT_EQ(out.token.payload_json, payload_json);
      EXPECT_TRUE(out.token.claims_parsed);
    }
  }
}

}  // namespace
}  // namespace tokenwarden
