#include "core/token_cache.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

constexpr int64_t kNow = 1700000000;

CachedToken Facts(double exp) {
  CachedToken t;
  t.header_json = R"({"alg":"HS256"})";
  t.payload_json = R"({"sub":"s"})";
  t.exp = exp;
  return t;
}

bool Hit(TokenCache& cache, TokenCache::Reader& reader, const std::string& token,
         uint64_t generation, std::string* payload = nullptr) {
  return cache.Lookup(token, cache.Hash(token), generation, reader, [&](const CachedToken& t) {
    if (payload != nullptr) {
      *payload = std::string(t.payload_json);
    }
  });
}

TEST(TokenCacheTest, HitsOnlyTheSameTokenAndGeneration) {
  TokenCache cache;
  TokenCache::Reader reader(cache);
  const std::string token = "a.b.c";
  ASSERT_TRUE(cache.Insert(token, cache.Hash(token), 1, Facts(kNow + 60), kNow));
  std::string payload;
  EXPECT_TRUE(Hit(cache, reader, token, 1, &payload));
  EXPECT_EQ(payload, R"({"sub":"s"})");
  EXPECT_FALSE(Hit(cache, reader, token, 2));     // another key set generation
  EXPECT_FALSE(Hit(cache, reader, "a.b.d", 1));   // another token
  EXPECT_FALSE(Hit(cache, reader, "a.b.c ", 1));  // full compare, not a prefix
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(TokenCacheTest, HashIsSeededPerCache) {
  TokenCache a, b;
  EXPECT_NE(a.Hash("same token"), b.Hash("same token"));
}

TEST(TokenCacheTest, EvictOtherGenerationsFreesStaleEntries) {
  TokenCache cache;
  TokenCache::Reader reader(cache);
  for (int i = 0; i < 10; ++i) {
    const std::string t = "tok" + std::to_string(i);
    ASSERT_TRUE(cache.Insert(t, cache.Hash(t), i < 5 ? 1 : 2, Facts(kNow + 60), kNow));
  }
  cache.EvictOtherGenerations(2);
  EXPECT_EQ(cache.entries(), 5u);
  EXPECT_FALSE(Hit(cache, reader, "tok0", 1));
  EXPECT_TRUE(Hit(cache, reader, "tok7", 2));
}

TEST(TokenCacheTest, PurgeDropsExpired) {
  TokenCache cache;
  ASSERT_TRUE(cache.Insert("x", cache.Hash("x"), 1, Facts(kNow + 10), kNow));
  ASSERT_TRUE(cache.Insert("y", cache.Hash("y"), 1, Facts(kNow + 1000), kNow));
  cache.Purge(kNow + 10);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(TokenCacheTest, BoundedByEntries) {
  TokenCacheOptions options;
  options.max_entries = 64;
  TokenCache cache(options);
  for (int i = 0; i < 10000; ++i) {
    const std::string t = "token-" + std::to_string(i);
    ASSERT_TRUE(cache.Insert(t, cache.Hash(t), 1, Facts(kNow + 60), kNow));
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
    cache.Insert(t, cache.Hash(t), 1, Facts(kNow + 60), kNow);
  }
  EXPECT_LE(cache.bytes(), options.max_bytes);
  EXPECT_GT(cache.entries(), 0u);
  // An entry that alone exceeds the budget is refused.
  EXPECT_FALSE(cache.Insert(std::string(20000, 'y'), 1, 1, Facts(kNow + 60), kNow));
}

TEST(TokenCacheTest, HotTokensSurviveAScan) {
  TokenCacheOptions options;
  options.max_entries = 256;
  TokenCache cache(options);
  TokenCache::Reader reader(cache);
  const std::string hot = "hot-token";
  ASSERT_TRUE(cache.Insert(hot, cache.Hash(hot), 1, Facts(kNow + 60), kNow));
  int hot_hits = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string t = "scan-" + std::to_string(i);
    cache.Insert(t, cache.Hash(t), 1, Facts(kNow + 60), kNow);
    hot_hits += Hit(cache, reader, hot, 1) ? 1 : 0;  // the hot token is used between inserts
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
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      TokenCache::Reader reader(cache);
      size_t i = 0;
      while (!stop.load()) {
        const std::string& tok = tokens[i++ % tokens.size()];
        std::string payload;
        if (Hit(cache, reader, tok, 1, &payload)) {
          ASSERT_EQ(payload, R"({"sub":"s"})");
        }
      }
    });
  }
  for (int round = 0; round < 50; ++round) {
    for (const std::string& tok : tokens) {
      cache.Insert(tok, cache.Hash(tok), 1, Facts(kNow + 60), kNow);
    }
    cache.EvictOtherGenerations(round % 2 == 0 ? 1 : 3);
  }
  stop = true;
  for (std::thread& t : readers) {
    t.join();
  }
}

}  // namespace
}  // namespace tokenwarden
