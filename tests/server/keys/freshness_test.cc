// How long a fetched JWK Set stays fresh (RFC 9111 §4.2.1): Cache-Control max-age, else
// Expires minus Date, else nothing (the caller's default); and the IMF-fixdate those use.
#include "server/keys/freshness.h"

#include <cstdint>
#include <optional>

#include <gtest/gtest.h>

namespace tokenwarden::server::keys {
namespace {

// 784111777 is "Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110's example date.
constexpr int64_t kNow = 784111777;

std::optional<int64_t> CacheControl(const char* value) {
  return FreshnessSeconds(value, std::nullopt, std::nullopt, kNow);
}

TEST(FreshnessTest, ParsesImfFixdate) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2024 12:00:00 GMT"), 1709208000);  // a leap day
  EXPECT_EQ(ParseHttpDate("Fri, 31 Dec 2038 23:59:59 GMT"), 2177452799);  // past 2^31
  // The weekday is not checked: a wrong one does not make the date unusable.
  EXPECT_EQ(ParseHttpDate("Mon, 06 Nov 1994 08:49:37 GMT"), 784111777);
}

TEST(FreshnessTest, RefusesEveryOtherDateForm) {
  for (const char* bad : {
           "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850 (obsolete)
           "Sun Nov  6 08:49:37 1994",        // asctime (obsolete)
           "Sun, 06 Foo 1994 08:49:37 GMT",   // no such month
           "Sun, 06 nov 1994 08:49:37 GMT",   // month names are case-sensitive
           "Sun, 06 Nov 1994 25:49:37 GMT",   // hour
           "Sun, 06 Nov 1994 08:60:37 GMT",   // minute
           "Sun, 06 Nov 1994 08:49:61 GMT",   // second (60 is a leap second)
           "Sun, 00 Nov 1994 08:49:37 GMT",   // day
           "Sun, 32 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 UTC",   // only GMT
           "Sun, 06 Nov 1994 08:49:37 GMT ",  // 30 bytes
           "Sun, 6 Nov 1994 08:49:37 GMT",    // two-digit day required
           "Sun, +6 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:4a:37 GMT",
           "",
       }) {
    EXPECT_FALSE(ParseHttpDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:60 GMT"), 784111777 + 23);
}

TEST(FreshnessTest, MaxAge) {
  EXPECT_EQ(CacheControl("public, max-age=600"), 600);
  EXPECT_EQ(CacheControl("max-age=\"60\""), 60);
  EXPECT_EQ(CacheControl("MAX-AGE=60"), 60);  // directive names are case-insensitive
  EXPECT_EQ(CacheControl("  max-age=60  ,  must-revalidate "), 60);
  EXPECT_EQ(CacheControl("max-age=0"), 0);
  EXPECT_EQ(CacheControl("max-age=-5"), 0);  // never a negative lifetime
  // RFC 9111 §1.2.2: a delta too large to represent means "very long".
  EXPECT_GT(*CacheControl("max-age=99999999999999999999999"), int64_t{1} << 40);
  // An unreadable max-age is ignored, as if absent.
  EXPECT_FALSE(CacheControl("max-age=soon").has_value());
  EXPECT_FALSE(CacheControl("max-age=").has_value());
  EXPECT_FALSE(CacheControl("max-age").has_value());
  EXPECT_FALSE(CacheControl("max-age=6 0").has_value());
  EXPECT_FALSE(CacheControl("public").has_value());
  EXPECT_FALSE(CacheControl("").has_value());
}

TEST(FreshnessTest, NoStoreAndNoCacheMeanAskAgain) {
  EXPECT_EQ(CacheControl("no-store"), 0);
  EXPECT_EQ(CacheControl("No-Cache"), 0);
  EXPECT_EQ(CacheControl("no-cache=\"Set-Cookie\""), 0);
  // Whatever their order relative to max-age.
  EXPECT_EQ(CacheControl("max-age=600, no-cache"), 0);
  EXPECT_EQ(CacheControl("no-store, max-age=600"), 0);
}

TEST(FreshnessTest, CacheControlThenExpiresThenNothing) {
  // max-age wins over Expires (RFC 9111 §4.2.1), even when Expires says longer.
  EXPECT_EQ(FreshnessSeconds("max-age=10", "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt, kNow),
            10);
  // A Cache-Control without a lifetime leaves it to Expires.
  EXPECT_EQ(FreshnessSeconds("public", "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt, kNow), 3600);
  // Expires relative to the response's Date (the server's clock), else to the local clock.
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT",
                             "Sun, 06 Nov 1994 09:39:37 GMT", kNow),
            600);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt, kNow),
            3600);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, " Sun, 06 Nov 1994 09:49:37 GMT ",
                             " Sun, 06 Nov 1994 09:39:37 GMT", kNow),
            600);
  // An unreadable Date is as if absent.
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT", "yesterday", kNow),
            3600);
  EXPECT_FALSE(FreshnessSeconds(std::nullopt, std::nullopt, std::nullopt, kNow).has_value());
  EXPECT_FALSE(FreshnessSeconds(std::nullopt, std::nullopt, "Sun, 06 Nov 1994 09:39:37 GMT", kNow)
                   .has_value());
}

TEST(FreshnessTest, InvalidOrPastExpiresIsAlreadyStale) {
  // RFC 9111 §5.3: an invalid Expires (the classic "0") means already expired.
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "0", std::nullopt, kNow), 0);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "-1", std::nullopt, kNow), 0);
  EXPECT_EQ(FreshnessSeconds(std::nullopt, "Sun, 06 Nov 1994 07:49:37 GMT", std::nullopt, kNow), 0);
}

}  // namespace
}  // namespace tokenwarden::server::keys
