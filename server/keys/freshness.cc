#include "server/keys/freshness.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/ascii.h"

namespace tokenwarden::server::keys {
namespace {

std::optional<int> Number(std::string_view s) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

// DaysFromCivil counts days since 1970-01-01 (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes at fixed positions.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) {
      month = i + 1;
    }
  }
  const std::optional<int> day = Number(text.substr(5, 2));
  const std::optional<int> year = Number(text.substr(12, 4));
  const std::optional<int> hour = Number(text.substr(17, 2));
  const std::optional<int> minute = Number(text.substr(20, 2));
  const std::optional<int> second = Number(text.substr(23, 2));
  if (month == 0 || !day || !year || !hour || !minute || !second || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return DaysFromCivil(*year, month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::optional<int64_t> FreshnessSeconds(std::optional<std::string_view> cache_control,
                                        std::optional<std::string_view> expires,
                                        std::optional<std::string_view> date, int64_t now) {
  if (cache_control.has_value()) {
    std::optional<int64_t> max_age;
    bool no_cache = false;
    std::string_view rest = *cache_control;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view directive = base::StripWhitespace(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t eq = directive.find('=');
      const std::string_view name = directive.substr(0, eq);
      if (base::EqualsIgnoreCase(name, "no-store") || base::EqualsIgnoreCase(name, "no-cache")) {
        no_cache = true;
      } else if (base::EqualsIgnoreCase(name, "max-age") && eq != std::string_view::npos) {
        std::string_view value = directive.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        int64_t seconds = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (!value.empty() && ptr == value.data() + value.size() &&
            (ec == std::errc() || ec == std::errc::result_out_of_range)) {
          // RFC 9111 §1.2.2: a delta too large to represent means "very long".
          max_age = ec == std::errc() ? seconds : INT64_MAX / 4;
        }
      }
    }
    if (no_cache) {
      return 0;
    }
    if (max_age.has_value()) {
      return *max_age < 0 ? 0 : *max_age;
    }
  }
  if (expires.has_value()) {
    const std::optional<int64_t> at = ParseHttpDate(base::StripWhitespace(*expires));
    if (!at.has_value()) {
      return 0;
    }
    std::optional<int64_t> base;
    if (date.has_value()) {
      base = ParseHttpDate(base::StripWhitespace(*date));
    }
    const int64_t lifetime = *at - base.value_or(now);
    return lifetime < 0 ? 0 : lifetime;
  }
  return std::nullopt;
}

}  // namespace tokenwarden::server::keys
