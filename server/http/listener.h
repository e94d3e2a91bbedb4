// File: server/http/listener.h
// -----------------------------------------------------------------------------
// Listening addresses: parsing "host:port" / "[v6]:port" and opening one SO_REUSEPORT socket
// per worker, so the kernel spreads connections over the workers' loops.
#ifndef TOKENWARDEN_SERVER_HTTP_LISTENER_H_
#define TOKENWARDEN_SERVER_HTTP_LISTENER_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

namespace tokenwarden::server::http {

// ListenAddress is one parsed listening address.
struct ListenAddress {
  sockaddr_storage addr = {};  // the port is the configured one (0: pick one)
  socklen_t addr_len = 0;
  std::string text;  // as configured, for messages
};

// ParseListenAddress parses "host:port" with a numeric IPv4 host or "localhost" (127.0.0.1),
// or "[v6]:port" with a numeric IPv6 host; the port is 0..65535. Errors name `text`.
absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

// CheckAddressFree fails when something (another process included) already listens on
// `address` (a fixed port): SO_REUSEPORT alone would let us share it silently.
absl::Status CheckAddressFree(const ListenAddress& address);

// OpenListenSocket returns a non-blocking, close-on-exec TCP socket with SO_REUSEADDR and
// SO_REUSEPORT (IPv6 ones also IPV6_V6ONLY), bound to `address` at `port` but not yet
// listening. The caller owns the descriptor. Errors read "listen <address>: <reason>".
absl::StatusOr<int> OpenListenSocket(const ListenAddress& address, uint16_t port);

// LocalAddress returns the address the socket `fd` is bound to (with the port picked for 0).
absl::StatusOr<sockaddr_storage> LocalAddress(int fd);

// PortOf returns the port of an IPv4 or IPv6 address.
uint16_t PortOf(const sockaddr_storage& addr);

// FormatAddress renders an IPv4 or IPv6 socket address as "192.0.2.1:80" or "[2001:db8::1]:80"
// ("?" for other families).
std::string FormatAddress(const sockaddr* addr);

// ListenError returns the status for the errno value `err` while setting up `address`:
// "listen <address>: <strerror>".
absl::Status ListenError(std::string_view address, int err);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_LISTENER_H_
