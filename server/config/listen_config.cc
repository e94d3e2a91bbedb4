#include "server/config/listen_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "base/str_cat.h"
#include "server/config/config_reader.h"

namespace tokenwarden::server::config_reader {
namespace {

// Endpoint is a listening address taken apart: its family, host bytes and port.
struct Endpoint {
  int family = AF_INET;
  std::array<unsigned char, sizeof(in6_addr)> host = {};
  int port = 0;
};

// SplitAddress parses `address` into `out`; returns why it is not "IPv4:port" or
// "[IPv6]:port", or "".
std::string SplitAddress(std::string_view address, Endpoint& out) {
  std::string_view host, port;
  if (address.starts_with('[')) {
    const size_t close = address.find(']');
    if (close == std::string_view::npos || address.substr(close + 1, 1) != ":") {
      return "expected \"[IPv6 address]:port\"";
    }
    out.family = AF_INET6;
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.find(':');
    if (colon == std::string_view::npos) {
      return "expected \"host:port\" (the port is required)";
    }
    if (address.find(':', colon + 1) != std::string_view::npos) {
      return "an IPv6 address must be in brackets, e.g. \"[::1]:8080\"";
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (inet_pton(out.family, std::string(host).c_str(), out.host.data()) != 1) {
    return out.family == AF_INET ? "the host must be an IPv4 address or a bracketed IPv6 address"
                                 : "the host is not an IPv6 address";
  }
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string_view::npos;
  out.port = 0;
  for (const char c : digits ? port : std::string_view()) {
    out.port = out.port * 10 + (c - '0');
  }
  if (!digits || out.port > 65535) {
    return "the port must be a number from 0 to 65535";
  }
  return "";
}

bool IsWildcard(const Endpoint& e) {
  const size_t len = e.family == AF_INET ? sizeof(in_addr) : sizeof(in6_addr);
  return std::all_of(e.host.begin(), e.host.begin() + static_cast<std::ptrdiff_t>(len),
                     [](unsigned char b) { return b == 0; });
}

// Collide: both would bind one port of one host. IPv6 sockets are IPV6_V6ONLY
// (server/http/listener.cc), so an IPv6 wildcard leaves IPv4 ports alone.
bool Collide(const Endpoint& a, const Endpoint& b) {
  return a.port != 0 && a.port == b.port && a.family == b.family &&
         (a.host == b.host || IsWildcard(a) || IsWildcard(b));
}

}  // namespace

absl::Status ReadListen(element value, std::string_view path, std::vector<std::string>& out) {
  absl::Status status = ReadStringList(value, path, /*non_empty=*/true, out);
  for (size_t i = 0; status.ok() && i < out.size(); ++i) {
    Endpoint endpoint;
    const std::string problem = SplitAddress(out[i], endpoint);
    if (!problem.empty()) {
      status =
          Invalid(IndexPath(path, i), base::StrCat("bad address ", Quote(out[i]), ": ", problem));
    } else if (std::find(out.begin(), out.begin() + i, out[i]) != out.begin() + i) {
      // SO_REUSEPORT would let both binds succeed, quietly doubling the sockets.
      status = Invalid(IndexPath(path, i), base::StrCat("duplicate address ", Quote(out[i])));
    }
  }
  return status;
}

absl::Status ReadAdmin(element value, std::string_view path, AdminConfig& out) {
  bool has_listen = false;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "listen") {
          has_listen = true;
          return ReadListen(v, field, out.listen);
        }
        return UnknownField(path, key);
      });
  if (status.ok() && !has_listen) {
    status = MissingField(path, "listen");
  }
  return status;
}

absl::Status CheckAdminListen(const std::vector<std::string>& listen, const AdminConfig& admin) {
  for (size_t i = 0; i < admin.listen.size(); ++i) {
    Endpoint mine;
    if (!SplitAddress(admin.listen[i], mine).empty()) {
      continue;  // ReadListen has refused it already
    }
    for (size_t j = 0; j < listen.size(); ++j) {
      Endpoint theirs;
      if (SplitAddress(listen[j], theirs).empty() && Collide(mine, theirs)) {
        // Refused here rather than at bind time: the error names the field, and --check
        // finds it before a rollout.
        return Invalid(
            IndexPath("admin.listen", i),
            base::StrCat(Quote(admin.listen[i]), " takes the port of listen[", j, "] ",
                         Quote(listen[j]), ": the admin routes need an address of their own"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tokenwarden::server::config_reader
