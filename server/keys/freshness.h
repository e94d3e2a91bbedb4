// File: server/keys/freshness.h
// -----------------------------------------------------------------------------
// How long a fetched JWK Set may be used before asking again (RFC 9111 §4.2.1): the
// response's Cache-Control max-age, else Expires minus Date, else the caller's default.
#ifndef TOKENWARDEN_SERVER_KEYS_FRESHNESS_H_
#define TOKENWARDEN_SERVER_KEYS_FRESHNESS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace tokenwarden::server::keys {

// ParseHttpDate reads an IMF-fixdate (RFC 9110 §5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT") into
// Unix seconds; the obsolete formats are not accepted (nullopt).
std::optional<int64_t> ParseHttpDate(std::string_view text);

// FreshnessSeconds is the response's freshness lifetime, or nullopt when it states none.
// `no-store`, `no-cache` and `max-age=0` give 0 (ask again as soon as allowed); an invalid
// Expires means already expired (0, RFC 9111 §5.3). `now` (Unix seconds) stands in for a
// missing Date.
std::optional<int64_t> FreshnessSeconds(std::optional<std::string_view> cache_control,
                                        std::optional<std::string_view> expires,
                                        std::optional<std::string_view> date, int64_t now);

}  // namespace tokenwarden::server::keys

#endif  // TOKENWARDEN_SERVER_KEYS_FRESHNESS_H_
