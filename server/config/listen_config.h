// Private to server/config: listening addresses, for the top-level `listen` and for the
// `admin` object (AdminConfig in config.h).
#ifndef TOKENWARDEN_SERVER_CONFIG_LISTEN_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_LISTEN_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadListen reads a non-empty array of "IPv4:port" / "[IPv6]:port" at `path`, no address
// twice. Host names are refused: nothing is resolved, so a name would only fail at bind time.
absl::Status ReadListen(simdjson::dom::element value, std::string_view path,
                        std::vector<std::string>& out);

// ReadAdmin reads the `admin` object at `path`; its `listen` is required.
absl::Status ReadAdmin(simdjson::dom::element value, std::string_view path, AdminConfig& out);

// CheckAdminListen fails when an address of `admin.listen` would take a port of `listen`:
// the same port on the same host, or on every interface of the same family (0.0.0.0, [::]).
// Port 0 (pick one) never collides. Runs once the whole document is read.
absl::Status CheckAdminListen(const std::vector<std::string>& listen, const AdminConfig& admin);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_LISTEN_CONFIG_H_
