// File: server/serve/demo.h
// -----------------------------------------------------------------------------
// The embedded demo of `tokenwarden serve --demo`: a signing key made in memory, a
// configuration that trusts it, a sample token, and a client to call /introspect and
// /revoke with — so the server can be tried with curl and nothing else.
#ifndef TOKENWARDEN_SERVER_SERVE_DEMO_H_
#define TOKENWARDEN_SERVER_SERVE_DEMO_H_

#include <cstdint>
#include <string>

#include <absl/status/statusor.h>

#include "server/config/config.h"

namespace tokenwarden::server {

struct DemoSetup {
  ServerConfig config;
  std::string issuer;
  std::string token;  // valid for an hour from `now`
  std::string client_id;
  std::string client_secret;  // random; the config holds only its salted hash
};

// MakeDemo builds the demo for `listen` at `now`; revocations are logged under `state_dir`.
absl::StatusOr<DemoSetup> MakeDemo(const std::string& listen, const std::string& state_dir,
                                   int64_t now);

// DemoInstructions is the text printed once the server listens on `base_url`.
std::string DemoInstructions(const DemoSetup& demo, const std::string& base_url);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_DEMO_H_
