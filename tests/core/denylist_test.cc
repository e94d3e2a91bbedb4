#include "core/denylist.h"

#include <atomic>
#include <limits>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

constexpr int64_t kNow = 1700000000;

Denylist::Key KeyN(int n) {
  return Denylist::KeyFor("https://issuer.example", "jti-" + std::to_string(n), "");
}

TEST(DenylistTest, KeyUsesIssuerAndJtiWhenPresent) {
  EXPECT_EQ(Denylist::KeyFor("iss", "j", "a.b"), Denylist::KeyFor("iss", "j", "other.input"));
  EXPECT_NE(Denylist::KeyFor("iss", "j", "a.b"), Denylist::KeyFor("iss2", "j", "a.b"));
  // Length-prefixed: ("ab", "c") and ("a", "bc") differ.
  EXPECT_NE(Denylist::KeyFor("ab", "c", ""), Denylist::KeyFor("a", "bc", ""));
}

TEST(DenylistTest, KeyUsesSigningInputWithoutJti) {
  EXPECT_EQ(Denylist::KeyFor("iss", std::nullopt, "h.p"),
            Denylist::KeyFor("other", std::nullopt, "h.p"));
  EXPECT_NE(Denylist::KeyFor("iss", std::nullopt, "h.p"),
            Denylist::KeyFor("iss", std::nullopt, "h.q"));
}

TEST(DenylistTest, ContainsUntilExpiry) {
  Denylist list(64);
  EXPECT_TRUE(list.empty());
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 10, kNow).ok());
  EXPECT_FALSE(list.empty());
  EXPECT_TRUE(list.Contains(KeyN(1), kNow));
  EXPECT_TRUE(list.Contains(KeyN(1), kNow + 9));
  EXPECT_FALSE(list.Contains(KeyN(1), kNow + 10));
  EXPECT_FALSE(list.Contains(KeyN(2), kNow));
}

TEST(DenylistTest, ReAddKeepsTheLaterExpiry) {
  Denylist list(64);
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 100, kNow).ok());
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 10, kNow).ok());
  EXPECT_TRUE(list.Contains(KeyN(1), kNow + 50));
  EXPECT_EQ(list.size(), 1u);
  EXPECT_EQ(list.RevokedUntil(KeyN(1), kNow), kNow + 100);
}

TEST(DenylistTest, RevokedUntilIsTheLiveEntrysExpiry) {
  Denylist list(64);
  EXPECT_EQ(list.RevokedUntil(KeyN(1), kNow), std::nullopt);
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 10, kNow).ok());
  EXPECT_EQ(list.RevokedUntil(KeyN(1), kNow + 9), kNow + 10);
  EXPECT_EQ(list.RevokedUntil(KeyN(1), kNow + 10), std::nullopt);  // expired
  EXPECT_EQ(list.RevokedUntil(KeyN(2), kNow), std::nullopt);
}

TEST(DenylistTest, AlreadyExpiredIsNotStored) {
  Denylist list(64);
  ASSERT_TRUE(list.Add(KeyN(1), kNow, kNow).ok());
  EXPECT_TRUE(list.empty());
}

TEST(DenylistTest, PurgeFreesExpiredSlots) {
  Denylist list(64);
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 5, kNow).ok());
  ASSERT_TRUE(list.Add(KeyN(2), kNow + 500, kNow).ok());
  EXPECT_EQ(list.Purge(kNow + 10), 1u);
  EXPECT_EQ(list.size(), 1u);
  EXPECT_TRUE(list.Contains(KeyN(2), kNow + 10));
}

TEST(DenylistTest, FullRefusesInsteadOfDropping) {
  Denylist list(4);  // one set of four
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(list.Add(KeyN(i), kNow + 100, kNow).ok());
  }
  const absl::Status status = list.Add(KeyN(99), kNow + 100, kNow).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(list.Contains(KeyN(i), kNow));
  }
  // An expired slot is reused without a purge.
  ASSERT_TRUE(list.Add(KeyN(100), kNow + 300, kNow + 200).ok());
  EXPECT_TRUE(list.Contains(KeyN(100), kNow + 200));
}

TEST(DenylistTest, TwoChoicesKeepSetsFromOverflowingAtModerateLoad) {
  // With one set per key, 4-way sets overflow at ~10% load; two choices must hold 40% of the
  // capacity (the documented sizing rule is twice the live revocations).
  Denylist list(1 << 14);
  const size_t n = list.capacity() * 2 / 5;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(list.Add(KeyN(static_cast<int>(i)), kNow + 100, kNow).ok()) << i;
  }
  EXPECT_EQ(list.size(), n);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(list.Contains(KeyN(static_cast<int>(i)), kNow)) << i;
  }
  EXPECT_FALSE(list.Contains(KeyN(static_cast<int>(n)), kNow));
}

TEST(DenylistTest, ForEachListsLiveEntries) {
  Denylist list(64);
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 5, kNow).ok());
  ASSERT_TRUE(list.Add(KeyN(2), std::numeric_limits<int64_t>::max(), kNow).ok());
  int n = 0;
  list.ForEach(kNow + 10, [&](const Denylist::Key& key, const Denylist::Entry&) {
    EXPECT_EQ(key, KeyN(2));
    ++n;
  });
  EXPECT_EQ(n, 1);
}

// Claims of a token of kIss with these attributes (views into the literals).
Claims AttributeClaims(std::optional<std::string_view> sid, std::optional<std::string_view> sub,
                       std::optional<std::string_view> client_id, std::optional<double> iat) {
  Claims c;
  c.iss = "https://op.example";
  c.sid = sid;
  c.sub = sub;
  c.client_id = client_id;
  c.iat = iat;
  return c;
}

TEST(DenylistTest, AttributeRevocationCoversTokensIssuedUntilItsTime) {
  constexpr std::string_view kIss = "https://op.example";
  Denylist list(64);
  EXPECT_EQ(list.attribute_entries(), 0u);
  ASSERT_TRUE(list.Add(Denylist::AttributeKeyFor(RevokedAttribute::kSid, kIss, "s-1"), kNow + 3600,
                       kNow, /*issued_until=*/kNow)
                  .ok());
  EXPECT_EQ(list.attribute_entries(), 1u);
  const auto by = [&](const Claims& c, int64_t at = kNow) {
    return list.RevokedByAttribute(kIss, c, at);
  };
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "app", kNow - 10)), RevokedAttribute::kSid);
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "app", kNow)), RevokedAttribute::kSid);  // at
  // Whole seconds: a token issued later in the revocation's own second is covered, the next
  // second's is not.
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "app", kNow + 0.5)), RevokedAttribute::kSid);
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "app", kNow + 1)), std::nullopt);  // after
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "app", std::nullopt)),             // no iat: before
            RevokedAttribute::kSid);
  EXPECT_EQ(by(AttributeClaims("s-2", "alice", "app", kNow - 10)), std::nullopt);
  EXPECT_EQ(by(AttributeClaims(std::nullopt, "alice", "app", kNow - 10)), std::nullopt);
  // Another issuer's session of the same name is another session.
  EXPECT_EQ(list.RevokedByAttribute("https://other.example",
                                    AttributeClaims("s-1", "alice", "app", kNow - 10), kNow),
            std::nullopt);
  // Attributes are not confused: a sub equal to the revoked sid is not covered.
  EXPECT_EQ(by(AttributeClaims("s-9", "s-1", "s-1", kNow - 10)), std::nullopt);
  // The client id is the token's: client_id, else cid, else azp.
  ASSERT_TRUE(list.Add(Denylist::AttributeKeyFor(RevokedAttribute::kClientId, kIss, "app"),
                       kNow + 3600, kNow, kNow)
                  .ok());
  Claims okta = AttributeClaims(std::nullopt, "bob", std::nullopt, kNow - 1);
  okta.cid = "app";
  EXPECT_EQ(by(okta), RevokedAttribute::kClientId);
  // It ends with its expiry; Purge frees it.
  EXPECT_EQ(by(AttributeClaims("s-1", "alice", "x", kNow - 10), kNow + 3600), std::nullopt);
  EXPECT_EQ(list.Purge(kNow + 3600), 2u);
  EXPECT_EQ(list.attribute_entries(), 0u);
}

TEST(DenylistTest, KeptAttributeKeysAnswerAsTheClaimsDo) {
  // A cache entry keeps a token's attribute keys; a hit must be judged as its claims would be.
  constexpr std::string_view kIss = "https://op.example";
  Claims c = AttributeClaims("s-1", std::nullopt, std::nullopt, kNow - 10);
  c.azp = "app";
  const Denylist::AttributeKeys keys = Denylist::AttributeKeysFor(kIss, c);
  EXPECT_EQ(keys.present, 0b101);  // sid and the client id; no sub
  EXPECT_EQ(keys.keys[0], Denylist::AttributeKeyFor(RevokedAttribute::kSid, kIss, "s-1"));
  EXPECT_EQ(keys.keys[2], Denylist::AttributeKeyFor(RevokedAttribute::kClientId, kIss, "app"));
  Denylist list(64);
  std::string_view detail;
  EXPECT_EQ(CheckAttributeRevocations(list, keys, c.iat, kNow, detail), Error::kOk);
  ASSERT_TRUE(list.Add(Denylist::AttributeKeyFor(RevokedAttribute::kClientId, kIss, "app"),
                       kNow + 3600, kNow, /*issued_until=*/kNow)
                  .ok());
  EXPECT_EQ(list.RevokedByAttribute(kIss, c, kNow), RevokedAttribute::kClientId);
  EXPECT_EQ(list.RevokedByAttribute(keys, c.iat, kNow), RevokedAttribute::kClientId);
  EXPECT_EQ(list.RevokedByAttribute(keys, std::nullopt, kNow), RevokedAttribute::kClientId);
  EXPECT_EQ(list.RevokedByAttribute(keys, kNow + 1.0, kNow), std::nullopt);  // issued after
  Denylist::AttributeKeys sid_only = keys;
  sid_only.present = 0b001;  // a key not marked present is never looked up
  EXPECT_EQ(list.RevokedByAttribute(sid_only, c.iat, kNow), std::nullopt);
  EXPECT_EQ(CheckAttributeRevocations(list, keys, c.iat, kNow, detail), Error::kRevoked);
  EXPECT_NE(detail.find("client"), std::string_view::npos) << detail;
}

TEST(DenylistTest, ReAddingAnAttributeKeepsTheLaterOfEachTime) {
  const Denylist::Key key = Denylist::AttributeKeyFor(RevokedAttribute::kSub, "i", "alice");
  Denylist list(64);
  EXPECT_TRUE(*list.Add(key, kNow + 100, kNow, kNow));
  EXPECT_FALSE(*list.Add(key, kNow + 50, kNow, kNow - 10));  // nothing later: nothing new
  EXPECT_TRUE(*list.Add(key, kNow + 50, kNow, kNow + 5));    // a later issue time
  EXPECT_EQ(list.Find(key, kNow), (Denylist::Entry{kNow + 100, kNow + 5}));
  EXPECT_EQ(list.attribute_entries(), 1u);
  EXPECT_EQ(list.size(), 1u);
  // One token's entries are not attribute entries, and no token key equals an attribute key.
  ASSERT_TRUE(list.Add(KeyN(1), kNow + 10, kNow).ok());
  EXPECT_EQ(list.attribute_entries(), 1u);
  EXPECT_NE(Denylist::AttributeKeyFor(RevokedAttribute::kSub, "i", "alice"),
            Denylist::AttributeKeyFor(RevokedAttribute::kSid, "i", "alice"));
  EXPECT_NE(Denylist::AttributeKeyFor(RevokedAttribute::kSub, "ia", "lice"),
            Denylist::AttributeKeyFor(RevokedAttribute::kSub, "i", "alice"));
}

TEST(DenylistTest, ReadersNeverSeeTornEntriesWhileWritersChurn) {
  Denylist list(256);
  ASSERT_TRUE(list.Add(KeyN(0), kNow + 1000000, kNow).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; round < 200; ++round) {
      for (int i = 1; i < 100; ++i) {
        (void)list.Add(KeyN(i), kNow + 10 + round, kNow + round);
      }
      list.Purge(kNow + round + 5);
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        ASSERT_TRUE(list.Contains(KeyN(0), kNow));  // never lost while others churn
        ASSERT_FALSE(list.Contains(KeyN(100000), kNow));
      }
    });
  }
  writer.join();
  for (std::thread& t : readers) {
    t.join();
  }
}

}  // namespace
}  // namespace tokenwarden
