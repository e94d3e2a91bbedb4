// SourceLimiter: what counts as one source, and the count itself.
#include "server/http/source_limiter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace tokenwarden::server::http {
namespace {

SourceKey V4(const char* text) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
  SourceKey key;
  EXPECT_TRUE(SourceKeyOf(reinterpret_cast<const sockaddr*>(&a), key));
  return key;
}

SourceKey V6(const char* text) {
  sockaddr_in6 a = {};
  a.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
  SourceKey key;
  EXPECT_TRUE(SourceKeyOf(reinterpret_cast<const sockaddr*>(&a), key));
  return key;
}

TEST(SourceLimiterTest, AnIpv6SourceIsItsSlash64) {
  // One client is routinely given a whole /64: counting addresses would not bound it.
  EXPECT_EQ(V6("2001:db8:1:2::1"), V6("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(V6("2001:db8:1:2::1") == V6("2001:db8:1:3::1"));
  // An IPv4-mapped address is the IPv4 address.
  EXPECT_EQ(V6("::ffff:192.0.2.7"), V4("192.0.2.7"));
  EXPECT_FALSE(V4("192.0.2.7") == V4("192.0.2.8"));
}

TEST(SourceLimiterTest, CountsUpToTheLimitPerSource) {
  SourceLimiter limiter(2);
  const SourceKey a = V4("192.0.2.1");
  const SourceKey b = V4("192.0.2.2");
  EXPECT_TRUE(limiter.Acquire(a));
  EXPECT_TRUE(limiter.Acquire(a));
  EXPECT_FALSE(limiter.Acquire(a));
  EXPECT_TRUE(limiter.Acquire(b));  // another source has its own count
  limiter.Release(a);
  EXPECT_TRUE(limiter.Acquire(a));
  limiter.Release(a);
  limiter.Release(a);
  limiter.Release(b);
  EXPECT_EQ(limiter.Sources(), 0u);  // nothing kept for sources with no connection
}

TEST(SourceLimiterTest, ZeroTurnsItOff) {
  SourceLimiter limiter(0);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limiter.Acquire(V4("192.0.2.1")));
  }
  EXPECT_EQ(limiter.Sources(), 0u);
}

}  // namespace
}  // namespace tokenwarden::server::http
