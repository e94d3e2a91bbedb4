// Private to server/config: the issuer's `backchannel_logout` object and the top-level one
// (BackChannelLogoutConfig, LogoutReceiverConfig in config.h).
#ifndef TOKENWARDEN_SERVER_CONFIG_LOGOUT_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_LOGOUT_CONFIG_H_

#include <string_view>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadBackChannelLogout reads an issuer's {"client_ids": [...]}.
absl::Status ReadBackChannelLogout(simdjson::dom::element value, std::string_view path,
                                   BackChannelLogoutConfig& out);

// ReadLogoutReceiver reads the top-level {"path": "/...", "max_age_seconds": N}.
absl::Status ReadLogoutReceiver(simdjson::dom::element value, std::string_view path,
                                LogoutReceiverConfig& out);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_LOGOUT_CONFIG_H_
