#include "core/token_cache.h"

#include <atomic>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "core/key_set.h"

namespace tokenwarden {
namespace {

constexpr int64_t kNow = 1700000000;

CachedToken Facts(double exp, uint64_t generation = 1, KeyFingerprint key = {}) {
  CachedToken t;
  t.header_json = R"({"alg":"HS256"})";
  t.payload_json = R"({"sub":"s"})";
  t.exp = exp;
  t.generation = generation;
  t.key = key;
  return t;
}

bool Hit(TokenCache& cache, TokenCache::Reader& reader, const std::string& token,
         std::string* payload = nullptr, CachedToken* seen = nullptr) {
  return cache.Lookup(token, cache.Hash(token), reader, [&](const CachedToken& t) {
    if (payload != nullptr) {
      *payload = std::string(t.payload_json);
    }
    if (seen != nullptr) {
      *seen = t;
    }
  });
}

// OctKeys is a key set of HMAC keys, one per kid, each with its own secret.
std::shared_ptr<const KeySet> OctKeys(std::initializer_list<std::string_view> kids) {
  std::string jwks = R"({"keys":[)";
  for (std::string_view kid : kids) {
    jwks += std::string(jwks.back() == '[' ? "" : ",") + R"({"kty":"oct","kid":")" +
            std::string(kid) + R"(","k":")" + base::Base64UrlEncode(std::string(32, kid[0])) +
            R"("})";
  }
  return *KeySet::FromJwks(jwks + "]}");
}

TEST(TokenCacheTest, HitsOnlyTheSameTokenAndTellsItsGenerationAndKey) {
  TokenCache cache;
  TokenCache::Reader reader(cache);
  const std::string token = "a.b.c";
  const KeyFingerprint key = {1, 2, 3};
  ASSERT_TRUE(cache.Insert(token, cache.Hash(token), Facts(kNow + 60, 7, key), kNow));
  std::string payload;
  CachedToken seen;
  EXPECT_TRUE(Hit(cache, reader, token, &payload, &seen));
  EXPECT_EQ(payload, R"({"sub":"s"})");
  EXPECT_EQ(seen.generation, 7u);  // the caller judges a rotation since then
  EXPECT_EQ(seen.key, key);
  EXPECT_FALSE(Hit(cache, reader, "a.b.d"));   // another token
  EXPECT_FALSE(Hit(cache, reader, "a.b.c "));  // full compare, not a prefix
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(TokenCacheTest, AHitHandsBackTheAttributeKeysTheTokenHas) {
  TokenCache cache;
  TokenCache::Reader reader(cache);
  CachedToken facts = Facts(kNow + 60);
  facts.attribute_keys.present = 0b110;  // sub and client id, no sid
  facts.attribute_keys.keys[1].fill(0x11);
  facts.attribute_keys.keys[2].fill(0x22);
  ASSERT_TRUE(cache.Insert("with", cache.Hash("with"), facts, kNow));
  const size_t with_bytes = cache.bytes();
  ASSERT_TRUE(cache.Insert("none", cache.Hash("none"), Facts(kNow + 60), kNow));
  // Only the keys present are kept: two, after the texts.
  EXPECT_EQ(2 * with_bytes - cache.bytes(), 2 * sizeof(Denylist::Key));
  CachedToken seen;
  ASSERT_TRUE(Hit(cache, reader, "with", nullptr, &seen));
  EXPECT_EQ(seen.attribute_keys.present, 0b110);
  EXPECT_EQ(seen.attribute_keys.keys[1], facts.attribute_keys.keys[1]);
  EXPECT_EQ(seen.attribute_keys.keys[2], facts.attribute_keys.keys[2]);
  ASSERT_TRUE(Hit(cache, reader, "none", nullptr, &seen));
  EXPECT_EQ(seen.attribute_keys.present, 0);
}

TEST(TokenCacheTest, HashIsSeededPerCache) {
  TokenCache a, b;
  EXPECT_NE(a.Hash("same token"), b.Hash("same token"));
}

// Tokens that differ in one byte differ in hash, wherever the byte is: in each of the four
// 64-byte lanes, in the 16-byte blocks after them and in the tail. Equal hashes would only cost
// misses, but a byte the hash ignored would make every such pair share a cache bucket.
TEST(TokenCacheTest, HashDependsOnEveryByte) {
  TokenCache cache;
  for (size_t size : {5, 16, 63, 64, 65, 200, 401}) {
    std::string token(size, 'x');
    const uint64_t base = cache.Hash(token);
    for (size_t i = 0; i < size; ++i) {
      token[i] = 'y';
      EXPECT_NE(cache.Hash(token), base) << "size " << size << ", byte " << i;
      token[i] = 'x';
    }
    EXPECT_NE(cache.Hash(token + "x"), base) << size;
  }
}

TEST(TokenCacheTest, EvictKeysNotHeldDropsOnlyTheRemovedKeysEntries) {
  TokenCache cache;
  TokenCache::Reader reader(cache);
  const std::shared_ptr<const KeySet> before = OctKeys({"a", "b"});
  const std::shared_ptr<const KeySet> after = OctKeys({"b", "c"});  // a rotated out
  const KeyFingerprint a = before->fingerprint(before->keys()[0]);
  const KeyFingerprint b = before->fingerprint(before->keys()[1]);
  ASSERT_TRUE(after->Holds(b));
  ASSERT_FALSE(after->Holds(a));
  for (int i = 0; i < 10; ++i) {
    const std::string t = "tok" + std::to_string(i);
    ASSERT_TRUE(cache.Insert(t, cache.Hash(t), Facts(kNow + 60, 1, i < 5 ? a : b), kNow));
  }
  cache.EvictKeysNotHeld(*after);
  EXPECT_EQ(cache.entries(), 5u);
  EXPECT_FALSE(Hit(cache, reader, "tok0"));
  EXPECT_TRUE(Hit(cache, reader, "tok7"));
  cache.EvictKeysNotHeld(*OctKeys({"c"}));
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(TokenCacheTest, PurgeDropsExpired) {
  TokenCache cache;
  ASSERT_TRUE(cache.Insert("x", cache.Hash("x"), Facts(kNow + 10, 1), kNow));
  ASSERT_TRUE(cache.Insert("y", cache.Hash("y"), Facts(kNow + 1000, 1), kNow));
  cache.Purge(kNow + 10);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(TokenCacheTest, BoundedByEntries) {
  TokenCacheOptions options;
  options.max_entries = 64;
  TokenCache cache(options);
  for (int i = 0; i < 10000; ++i) {
    const std::string t = "token-" + std::to_string(i);
    ASSERT_TRUE(cache.Insert(t, cache.Hash(t), Facts(kNow + 60, 1), kNow));
  }
  EXPECT_LE(cache.entries(), cache.capacity());
  EXPECT_EQ(cache.capacity(), 64u);
}

TEST(TokenCacheTest, BoundedByBytes) {
  TokenCacheOptions options;
  options.max_bytes = 16 * 1024;
  TokenCache cache(options);
  const std::string big(1000, 'x');
  for (int i = 0; i < 200; ++i) {
    const std::string t = big + std::to_string(i);
    cache.Insert(t, cache.Hash(t), Facts(kNow + 60, 1), kNow);
  }
  EXPECT_LE(cache.bytes(), options.max_bytes);
  EXPECT_GT(cache.entries(), 0u);
  // An entry that alone exceeds the budget is refused.
  EXPECT_FALSE(cache.Insert(std::string(20000, 'y'), 1, Facts(kNow + 60), kNow));
}

TEST(TokenCacheTest, HotTokensSurviveAScan) {
  TokenCacheOptions options;
  options.max_entries = 256;
  TokenCache cache(options);
  TokenCache::Reader reader(cache);
  const std::string hot = "hot-token";
  ASSERT_TRUE(cache.Insert(hot, cache.Hash(hot), Facts(kNow + 60, 1), kNow));
  int hot_hits = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string t = "scan-" + std::to_string(i);
    cache.Insert(t, cache.Hash(t), Facts(kNow + 60, 1), kNow);
    hot_hits += Hit(cache, reader, hot) ? 1 : 0;  // the hot token is used between inserts
  }
  // CLOCK gives the hot token second chances: it is evicted at most rarely.
  EXPECT_GT(hot_hits, 4500);
}

TEST(TokenCacheTest, EntryOverheadWithinBudget) {
  // The hot-path issue bounds the per-entry overhead beyond token and claims at 128 bytes.
  EXPECT_LE(TokenCache::kEntryOverhead, 128u);
}

TEST(TokenCacheTest, ConcurrentLookupsWhileWritersEvict) {
  TokenCacheOptions options;
  options.max_entries = 64;
  TokenCache cache(options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) {
    tokens.push_back("concurrent-token-" + std::to_string(i));
  }
  const std::shared_ptr<const KeySet> keys = OctKeys({"k"});
  const KeyFingerprint kept = keys->fingerprint(keys->keys()[0]);
  const KeyFingerprint gone = {9};
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      TokenCache::Reader reader(cache);
      size_t i = 0;
      while (!stop.load()) {
        const std::string& tok = tokens[i++ % tokens.size()];
        std::string payload;
        if (Hit(cache, reader, tok, &payload)) {
          ASSERT_EQ(payload, R"({"sub":"s"})");
        }
      }
    });
  }
  for (int round = 0; round < 50; ++round) {
    for (const std::string& tok : tokens) {
      cache.Insert(tok, cache.Hash(tok), Facts(kNow + 60, 1, round % 2 == 0 ? kept : gone), kNow);
    }
    cache.EvictKeysNotHeld(*keys);
  }
  stop = true;
  for (std::thread& t : readers) {
    t.join();
  }
}

}  // namespace
}  // namespace tokenwarden
