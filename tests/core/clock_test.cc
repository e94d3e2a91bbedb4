#include "core/clock.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

TEST(ClockTest, FractionalClockAgreesWithTheWholeSecondOne) {
  const int64_t before = UnixNow();
  const double now = UnixNowFractional();
  const int64_t after = UnixNow();
  EXPECT_GE(WholeSeconds(now), before);
  EXPECT_LE(WholeSeconds(now), after);
}

TEST(ClockTest, WholeSecondsFloorsAndSaturates) {
  EXPECT_EQ(WholeSeconds(1700000000.99), 1700000000);
  EXPECT_EQ(WholeSeconds(-0.5), -1);
  EXPECT_EQ(WholeSeconds(1e300), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(WholeSeconds(HUGE_VAL), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(WholeSeconds(-1e300), std::numeric_limits<int64_t>::min());
  // NaN reads as the earliest time: a denylist entry is then never taken for expired.
  EXPECT_EQ(WholeSeconds(std::nan("")), std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace tokenwarden
