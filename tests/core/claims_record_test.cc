#include "core/internal/claims_record.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>
#include <gtest/gtest.h>

#include "core/parsed_token.h"
#include "core/verifier.h"
#include "tests/core/claims_description.h"
#include "tests/core/exact_buffer.h"
#include "tests/core/test_tokens.h"

namespace tokenwarden {
namespace {

using internal::ClaimsStorage;
using internal::ReadClaimsRecord;
using internal::WriteClaimsRecord;
using testing::AllAlgorithms;
using testing::Assemble;
using testing::DescribeToken;
using testing::HmacKey;
using testing::JwksOf;
using testing::kNow;
using testing::Mint;
using testing::MustJwks;

// A header and payload full of what a record must keep: strings whose value exists only
// unescaped (outside the JSON text), a space-separated `scope` with a double space, `scp`,
// `aud` with an escaped item, `cnf`, fractional dates, an integer beyond 64 bits, and a
// member name with an escape.
constexpr std::string_view kRichHeader =
    R"({"alg":"HS256","kid":"k\u0031","typ":"at+jwt","cty":"J\/WT"})";
constexpr std::string_view kRichPayload =
    R"({"iss":"https:\/\/issuer.example","sub":"us\u00e9r \"1\"","jti":"j-1","azp":"azp-1",)"
    R"("cid":"okta-client","appid":"entra-v1","sid":"s\/1","nonce":"n-1","at_hash":"h\u0041sh",)"
    R"("scope":"read  wr\u0069te","scp":["admin","ops"],"cnf":{"jkt":"abc", "x":[1,2]},)"
    R"("exp":1700003600.5,"nbf":1699999999.25,"iat":1700000000,"auth_time":1.6999e9,)"
    R"("aud":["api\u002d1","api-2"],"big":123456789012345678901234567890,)"
    R"("n\u00e4me":{"a" : [true, null]}})";

bool InsideAny(std::string_view view, std::initializer_list<std::string_view> regions) {
  if (view.empty()) {
    return true;
  }
  for (std::string_view r : regions) {
    if (view.data() >= r.data() && view.data() + view.size() <= r.data() + r.size()) {
      return true;
    }
  }
  return false;
}

// ViewsOf lists every view a Header and Claims hold.
std::vector<std::string_view> ViewsOf(const Header& h, const Claims& c) {
  std::vector<std::string_view> views;
  for (const auto* v : {&h.kid, &h.typ, &h.cty, &c.iss, &c.sub, &c.jti, &c.azp, &c.client_id,
                        &c.cid, &c.appid, &c.sid, &c.nonce, &c.at_hash, &c.scope, &c.cnf}) {
    if (v->has_value()) {
      views.push_back(**v);
    }
  }
  views.insert(views.end(), c.aud.begin(), c.aud.end());
  views.insert(views.end(), c.scopes.begin(), c.scopes.end());
  for (const ClaimMember& m : c.members) {
    views.push_back(m.name);
    views.push_back(m.value);
  }
  return views;
}

// Written is a record plus copies of the texts it was written against, and what the typed
// view said, all taken while that view still pointed into its parse.
struct Written {
  std::string record;
  std::string header_json;
  std::string payload_json;
  std::vector<std::string> expected;
};

Written Write(const Header& header, const Claims& claims, std::string_view header_json,
              std::string_view payload_json) {
  Written w;
  WriteClaimsRecord(header, claims, header_json, payload_json, w.record);
  w.header_json = std::string(header_json);
  w.payload_json = std::string(payload_json);
  w.expected = DescribeToken(header, claims);
  return w;
}

// ExpectReadBack reads `w` against fresh exact copies of its texts and record: the typed view
// must equal the original, with every view inside those copies.
void ExpectReadBack(const Written& w) {
  const ExactBuffer record(w.record), header_json(w.header_json), payload_json(w.payload_json);
  // A cache hit reads into a view reused from the thread's last token: start from one with
  // every member set, so a member the read forgot to overwrite shows in the comparison.
  static const std::string_view kStale = "stale";
  static const std::string_view kStaleList[] = {kStale};
  static const ClaimMember kStaleMembers[] = {{kStale, kStale}};
  Header header{Algorithm::kPs512, kStale, kStale, kStale, true};
  Claims claims;
  for (std::optional<std::string_view>* text :
       {&claims.iss, &claims.sub, &claims.jti, &claims.azp, &claims.client_id, &claims.cid,
        &claims.appid, &claims.sid, &claims.nonce, &claims.at_hash, &claims.scope, &claims.cnf}) {
    *text = kStale;
  }
  claims.exp = claims.nbf = claims.iat = claims.auth_time = 1.0;
  claims.has_aud = true;
  claims.aud = kStaleList;
  claims.scopes = kStaleList;
  claims.members = kStaleMembers;
  ClaimsStorage storage;
  ASSERT_TRUE(ReadClaimsRecord(record.view(), header_json.view(), payload_json.view(), header,
                               claims, storage));
  EXPECT_EQ(DescribeToken(header, claims), w.expected);
  for (std::string_view v : ViewsOf(header, claims)) {
    EXPECT_TRUE(InsideAny(v, {record.view(), header_json.view(), payload_json.view()}))
        << "a restored view points outside the record and the copies: " << v;
  }
}

// WriteParsed parses header.payload.sig with a ParsedToken that is destroyed before the
// record is read, so a view left pointing into the parse is a use-after-free under ASan.
Written WriteParsed(std::string_view header_json, std::string_view payload_json) {
  auto parsed = std::make_unique<ParsedToken>();
  const std::string token = Assemble(header_json, payload_json, "sig");
  parsed->Parse(token, 1 << 20);
  EXPECT_TRUE(parsed->header_parsed()) << parsed->early_detail();
  EXPECT_TRUE(parsed->claims_parsed()) << parsed->claims_detail();
  return Write(parsed->header(), parsed->claims(), parsed->header_json(), parsed->payload_json());
}

Written WriteRichVerified() {
  Policy policy;
  policy.issuer = "https://issuer.example";
  policy.audiences = {"api-1"};
  absl::StatusOr<Verifier> verifier =
      Verifier::Create(policy, MustJwks(JwksOf({HmacKey().Jwk("k1")})));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  auto scratch = std::make_unique<VerifyScratch>();
  VerifiedToken token;
  const std::string jwt = Mint(kRichHeader, kRichPayload, HmacKey(), Algorithm::kHs256);
  EXPECT_EQ(verifier->Verify(jwt, kNow, *scratch, token), Error::kOk) << token.detail;
  Written w = Write(token.header, token.claims, token.header_json, token.payload_json);
  scratch.reset();
  return w;
}

TEST(ClaimsRecordTest, VerifiedTokenRoundTripsEveryField) {
  const Written w = WriteRichVerified();
  // The fixture really exercises what it claims to: values that exist only unescaped.
  const std::vector<std::string> must_hold = {
      "kid=[k1]",
      "cty=[J/WT]",
      "iss=[https://issuer.example]",
      "sub=[usér \"1\"]",
      "sid=[s/1]",
      "at_hash=[hAsh]",
      "scope=[read  write]",
      "cnf=[{\"jkt\":\"abc\", \"x\":[1,2]}]",
      "exp=1700003600.5",
      "nbf=1699999999.25",
      "auth_time=1699900000",
      "aud(2) [api-1] [api-2]",
      "scopes(4) [read] [write] [admin] [ops]",
      "ClientId()=[okta-client]",
      "member [big]=123456789012345678901234567890",
      "member [näme]={\"a\" : [true, null]}",
  };
  for (const std::string& line : must_hold) {
    EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), line), w.expected.end()) << line;
  }
  ExpectReadBack(w);
}

TEST(ClaimsRecordTest, AbsentOptionalsStayAbsent) {
  const Written w = WriteParsed(R"({"alg":"ES384"})", R"({"exp":1700003600})");
  EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "kid absent"), w.expected.end());
  EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "has_aud=false"), w.expected.end());
  ExpectReadBack(w);
}

TEST(ClaimsRecordTest, EmptyAudienceArrayIsPresentAndEmpty) {
  const Written w = WriteParsed(R"({"alg":"RS256"})", R"({"aud":[],"scope":"","scp":[]})");
  EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "has_aud=true"), w.expected.end());
  EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "aud(0)"), w.expected.end());
  EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "scope=[]"), w.expected.end());
  ExpectReadBack(w);
}

TEST(ClaimsRecordTest, CritAndEveryAlgorithmRoundTrip) {
  for (Algorithm alg : AllAlgorithms()) {
    SCOPED_TRACE(AlgorithmName(alg));
    const std::string header =
        "{\"alg\":\"" + std::string(AlgorithmName(alg)) + "\",\"crit\":[\"exp\"]}";
    const Written w = WriteParsed(header, R"({"sub":"s"})");
    EXPECT_NE(std::find(w.expected.begin(), w.expected.end(), "has_crit=true"), w.expected.end());
    ExpectReadBack(w);
  }
}

TEST(ClaimsRecordTest, TruncatedRecordIsRefusedAtEveryLength) {
  const Written w = WriteRichVerified();
  ASSERT_GT(w.record.size(), 8u);
  for (size_t len = 0; len < w.record.size(); ++len) {
    const ExactBuffer record(std::string_view(w.record).substr(0, len));
    Header header;
    Claims claims;
    ClaimsStorage storage;
    EXPECT_FALSE(
        ReadClaimsRecord(record.view(), w.header_json, w.payload_json, header, claims, storage))
        << "a record cut to " << len << " of " << w.record.size() << " bytes was accepted";
  }
}

TEST(ClaimsRecordTest, RecordReadAgainstAnEmptyPayloadIsRefused) {
  const Written w = WriteRichVerified();
  Header header;
  Claims claims;
  ClaimsStorage storage;
  EXPECT_FALSE(ReadClaimsRecord(w.record, w.header_json, "", header, claims, storage));
}

// ExpectDamageRefused writes records for two payloads that differ in one field's size (a
// list's count, a string's length), finds the word where those records first differ, and
// expects the longer one to be refused whenever that word holds one of `damaged`.
void ExpectDamageRefused(std::string_view shorter_payload, std::string_view longer_payload,
                         std::initializer_list<uint32_t> damaged) {
  const Written shorter = WriteParsed(R"({"alg":"HS256"})", shorter_payload);
  const Written w = WriteParsed(R"({"alg":"HS256"})", longer_payload);
  size_t at = 0;
  while (at < shorter.record.size() && at < w.record.size() && shorter.record[at] == w.record[at]) {
    ++at;
  }
  ASSERT_LE(at + sizeof(uint32_t), w.record.size());
  for (uint32_t word : damaged) {
    ExactBuffer record(w.record);
    std::memcpy(record.data() + at, &word, sizeof word);
    Header header;
    Claims claims;
    ClaimsStorage storage;
    EXPECT_FALSE(
        ReadClaimsRecord(record.view(), w.header_json, w.payload_json, header, claims, storage))
        << "word " << word << " at " << at;
  }
}

TEST(ClaimsRecordTest, ListCountTooLargeIsRefused) {
  // 40: more than a record this short holds; the rest beyond any record.
  for (const uint32_t too_many : {40u, 0x10000u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    SCOPED_TRACE(too_many);
    ExpectDamageRefused(R"({"aud":["a"],"exp":1})", R"({"aud":["a","b"],"exp":1})", {too_many});
    ExpectDamageRefused(R"({"scp":["a"],"exp":1})", R"({"scp":["a","b"],"exp":1})", {too_many});
    ExpectDamageRefused(R"({"exp":1})", R"({"exp":1,"x":2})", {too_many});
  }
}

TEST(ClaimsRecordTest, ViewPastTheEndOfItsTextIsRefused) {
  // `sub` one character longer changes only its length word. 20: past the 20-byte payload.
  ExpectDamageRefused(R"({"sub":"a","exp":1})", R"({"sub":"ab","exp":1})",
                      {20u, 0x7FFFFFFFu, 0xFFFFFFFFu});
}

TEST(ClaimsRecordTest, AnyOverwrittenWordNeverYieldsViewsOutOfBounds) {
  const Written w = WriteRichVerified();
  const ExactBuffer header_json(w.header_json), payload_json(w.payload_json);
  for (size_t at = 0; at + sizeof(uint32_t) <= w.record.size(); ++at) {
    for (uint32_t word : {0xFFFFFFFFu, 0x7FFFFFFFu, 0xBFFFFFFFu, 0x3FFFFFFFu, 0x00000100u}) {
      ExactBuffer record(w.record);
      std::memcpy(record.data() + at, &word, sizeof word);
      Header header;
      Claims claims;
      ClaimsStorage storage;
      if (!ReadClaimsRecord(record.view(), header_json.view(), payload_json.view(), header, claims,
                            storage)) {
        continue;
      }
      for (std::string_view v : ViewsOf(header, claims)) {
        ASSERT_TRUE(InsideAny(v, {record.view(), header_json.view(), payload_json.view()}))
            << "word " << word << " at " << at;
      }
    }
  }
}

}  // namespace
}  // namespace tokenwarden
