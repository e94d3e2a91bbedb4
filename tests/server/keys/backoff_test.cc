// The wait before retrying a failed fetch: exponential in the failures in a row, capped, with
// equal jitter (half fixed, half random).
#include "server/keys/backoff.h"

#include <algorithm>
#include <cstdint>

#include <gtest/gtest.h>

namespace tokenwarden::server::keys {
namespace {

TEST(BackoffTest, GrowsCapsAndJitters) {
  EXPECT_EQ(BackoffMs(1, 1000, 60000, 0.0), 500);
  EXPECT_EQ(BackoffMs(1, 1000, 60000, 0.999999), 999);
  EXPECT_EQ(BackoffMs(2, 1000, 60000, 0.0), 1000);
  EXPECT_EQ(BackoffMs(4, 1000, 60000, 0.0), 4000);
  EXPECT_EQ(BackoffMs(30, 1000, 60000, 0.0), 30000);
  EXPECT_LE(BackoffMs(30, 1000, 60000, 0.99), 60000);
  for (int failures = 1; failures < 40; ++failures) {
    const int64_t base = std::min<int64_t>(60000, int64_t{1000} << std::min(failures - 1, 20));
    for (double unit : {0.0, 0.3, 0.7, 0.999}) {
      const int64_t wait = BackoffMs(failures, 1000, 60000, unit);
      EXPECT_GE(wait, base / 2);
      EXPECT_LE(wait, base);
    }
  }
}

TEST(BackoffTest, NeverOverflowsAfterALongOutage) {
  // A week of failures at the cap: the wait stays within [max/2, max].
  for (int failures : {62, 63, 64, 1000, 1 << 30}) {
    const int64_t wait = BackoffMs(failures, 1000, 300000, 0.5);
    EXPECT_GE(wait, 150000) << failures;
    EXPECT_LE(wait, 300000) << failures;
  }
}

TEST(BackoffTest, OddSettingsStillGiveAUsableWait) {
  // An initial wait above the cap is capped; a zero initial wait still waits.
  EXPECT_LE(BackoffMs(1, 10000, 4000, 0.999), 4000);
  EXPECT_GE(BackoffMs(1, 10000, 4000, 0.0), 2000);
  EXPECT_GE(BackoffMs(3, 0, 4000, 0.999), 1);
  // A random number outside [0, 1) cannot push the wait outside [base/2, base].
  EXPECT_EQ(BackoffMs(1, 1000, 60000, -3.0), 500);
  EXPECT_EQ(BackoffMs(1, 1000, 60000, 7.0), 1000);
}

}  // namespace
}  // namespace tokenwarden::server::keys
