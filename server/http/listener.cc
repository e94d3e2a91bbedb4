#include "server/http/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/strings/str_cat.h>

namespace tokenwarden::server::http {
namespace {

absl::Status BadAddress(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("listen \"", absl::string_view(text.data(), text.size()),
                   "\": ", absl::string_view(why.data(), why.size())));
}

bool ParsePort(std::string_view text, uint16_t& out) {
  if (text.empty() || text.size() > 5) {
    return false;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return false;
  }
  out = static_cast<uint16_t>(value);
  return true;
}

void SetPort(sockaddr_storage& addr, uint16_t port) {
  if (addr.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port);
  }
}

}  // namespace

absl::Status ListenError(std::string_view address, int err) {
  const std::string message = absl::StrCat(
      "listen ", absl::string_view(address.data(), address.size()), ": ", std::strerror(err));
  switch (err) {
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EADDRINUSE:
      return absl::UnavailableError(message);
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  out.text = std::string(text);
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return BadAddress(text, "expected [v6]:port");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1) {
      return BadAddress(text, "expected a numeric IPv6 address in brackets");
    }
    v6->sin6_family = AF_INET6;
    out.addr_len = sizeof(sockaddr_in6);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return BadAddress(text, "expected host:port or [v6]:port");
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host == "localhost") {
      host = "127.0.0.1";
    }
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.addr);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) {
      return BadAddress(text, "expected a numeric IPv4 address, \"localhost\" or [v6]");
    }
    v4->sin_family = AF_INET;
    out.addr_len = sizeof(sockaddr_in);
  }
  uint16_t port = 0;
  if (!ParsePort(port_text, port)) {
    return BadAddress(text, "the port must be a number from 0 to 65535");
  }
  SetPort(out.addr, port);
  return out;
}

absl::Status CheckAddressFree(const ListenAddress& address) {
  // Without SO_REUSEPORT this bind fails while anyone listens on the address — including
  // another tokenwarden, whose SO_REUSEPORT sockets would otherwise happily share the port
  // with ours and split its connections between two configurations and two denylists.
  const int fd = socket(address.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return ListenError(address.text, errno);
  }
  const int on = 1;
  const bool ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
                  (address.addr.ss_family != AF_INET6 ||
                   setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0) &&
                  bind(fd, reinterpret_cast<const sockaddr*>(&address.addr), address.addr_len) == 0;
  const int err = errno;
  close(fd);
  return ok ? absl::OkStatus() : ListenError(address.text, err);
}

absl::StatusOr<int> OpenListenSocket(const ListenAddress& address, uint16_t port) {
  sockaddr_storage addr = address.addr;
  SetPort(addr, port);
  const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return ListenError(address.text, errno);
  }
  const int on = 1;
  // SO_REUSEPORT: every worker binds the same address and the kernel balances the accepted
  // connections between them (libuv 1.44 has no UV_TCP_REUSEPORT, so we set it ourselves).
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
      (addr.ss_family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
      bind(fd, reinterpret_cast<const sockaddr*>(&addr), address.addr_len) != 0) {
    const int err = errno;
    close(fd);
    return ListenError(address.text, err);
  }
  return fd;
}

absl::StatusOr<sockaddr_storage> LocalAddress(int fd) {
  sockaddr_storage addr = {};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return absl::InternalError(absl::StrCat("getsockname: ", std::strerror(errno)));
  }
  return addr;
}

uint16_t PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
}

std::string FormatAddress(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    return absl::StrCat(host, ":", ntohs(v4->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    return absl::StrCat("[", host, "]:", ntohs(v6->sin6_port));
  }
  return "?";
}

}  // namespace tokenwarden::server::http
