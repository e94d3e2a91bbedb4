// Private to server/config: the `dpop` and `client_certificate` objects and the `dpop` mode
// of issuers and route rules (DpopConfig, ClientCertificateConfig, DpopMode in config.h).
#ifndef TOKENWARDEN_SERVER_CONFIG_SENDER_CONSTRAINT_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_SENDER_CONSTRAINT_CONFIG_H_

#include <string_view>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadDpopMode reads "off", "allowed" or "required".
absl::Status ReadDpopMode(simdjson::dom::element value, std::string_view path, DpopMode& out);

// ReadDpop reads the `dpop` object; a nonce secret from a file is resolved against `base_dir`.
absl::Status ReadDpop(simdjson::dom::element value, std::string_view path,
                      std::string_view base_dir, DpopConfig& out);

// ResolveDpopReplay settles `dpop.replay`: shared through Redis by default when `redis` is
// configured, local otherwise; a shared mode without `redis` is an error.
absl::Status ResolveDpopReplay(bool has_redis, DpopConfig& out);

// KeepNonceSecret gives `out` a random nonce secret when none is configured: one process
// alone can keep its own; several behind one gateway configure theirs.
void KeepNonceSecret(DpopConfig& out);

// ReadClientCertificate reads the `client_certificate` object.
absl::Status ReadClientCertificate(simdjson::dom::element value, std::string_view path,
                                   ClientCertificateConfig& out);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_SENDER_CONSTRAINT_CONFIG_H_
