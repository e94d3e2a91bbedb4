#ifndef TOKENWARDEN_SERVER_CLI_VERIFY_OPTIONS_H_
#define TOKENWARDEN_SERVER_CLI_VERIFY_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

#include "core/policy.h"

namespace tokenwarden::server::cli {

// VerifyOptions is a parsed `tokenwarden verify` command line.
struct VerifyOptions {
  std::optional<std::string> jwks_path;  // --jwks
  std::optional<std::string> key_path;   // --key
  Policy policy;
  std::optional<int64_t> now;  // --now; unset = the system clock
  bool explain = false;        // --explain
  bool help = false;           // --help (only in option position; never "-h", see .cc)
  // token is the positional TOKEN; unset or "-" means stdin.
  std::optional<std::string> token;
};

// ParseVerifyOptions parses the arguments after `verify`. Errors are usage errors (exit 2)
// naming the culprit: unknown options, missing values, bad numbers, a negative leeway, an
// algorithm list naming `none` or an unknown algorithm, both or neither of --jwks and --key,
// an http(s) URL as --jwks or --key (verify reads local files only), more than one TOKEN.
// --nonce, --access-token and --max-age make the policy an ID-token policy (OIDC azp rules),
// since only ID tokens carry those.
absl::StatusOr<VerifyOptions> ParseVerifyOptions(std::span<const std::string_view> args);

// kVerifyUsage is the --help text.
extern const char kVerifyUsage[];

}  // namespace tokenwarden::server::cli

#endif  // TOKENWARDEN_SERVER_CLI_VERIFY_OPTIONS_H_
