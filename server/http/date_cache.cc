#include "server/http/date_cache.h"

#include <time.h>

#include <cstdio>
#include <ctime>
#include <string_view>

namespace tokenwarden::server::http {

std::string_view DateCache::At(int64_t now) {
  if (now != second_) {
    static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const time_t seconds = static_cast<time_t>(now);
    tm utc;
    if (gmtime_r(&seconds, &utc) == nullptr) {
      return std::string_view(text_, len_);
    }
    const int n = std::snprintf(text_, sizeof(text_), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                                utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    len_ = n > 0 && static_cast<size_t>(n) < sizeof(text_) ? static_cast<size_t>(n) : 0;
    second_ = now;
  }
  return std::string_view(text_, len_);
}

}  // namespace tokenwarden::server::http
