#include "server/config/logout_config.h"

#include <string>

#include "server/config/config_reader.h"

namespace tokenwarden::server::config_reader {

namespace {

// kTakenPaths are the endpoints the logout receiver must not shadow.
constexpr std::string_view kTakenPaths[] = {"/introspect", "/revoke",  "/revoke-by-attribute",
                                            "/validate",   "/healthz", "/readyz",
                                            "/metrics"};

absl::Status CheckReceiverPath(std::string_view path, const std::string& field) {
  if (!path.starts_with('/') || path.size() > 256 ||
      path.find_first_of("?# \t\r\n%") != std::string_view::npos) {
    return Invalid(field, "must be a path starting with '/', without query, '%' or spaces");
  }
  for (const std::string_view taken : kTakenPaths) {
    if (path == taken) {
      return Invalid(field, "is another endpoint's path");
    }
  }
  if (path.starts_with("/validate/") || path.starts_with("/.well-known/")) {
    return Invalid(field, "is under another endpoint's path");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadBackChannelLogout(element value, std::string_view path,
                                   BackChannelLogoutConfig& out) {
  bool has_client_ids = false;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "client_ids") {
          has_client_ids = true;
          return ReadStringList(v, field, /*non_empty=*/true, out.client_ids);
        }
        return UnknownField(path, key);
      });
  if (status.ok() && !has_client_ids) {
    status = MissingField(path, "client_ids");
  }
  return status;
}

absl::Status ReadLogoutReceiver(element value, std::string_view path, LogoutReceiverConfig& out) {
  return VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
    if (key == "path") {
      absl::Status s = ReadString(v, field, out.path);
      return s.ok() ? CheckReceiverPath(out.path, field) : s;
    }
    if (key == "max_age_seconds") {
      return ReadNumber(v, field, 10, 3600, out.max_age_seconds);
    }
    return UnknownField(path, key);
  });
}

}  // namespace tokenwarden::server::config_reader
