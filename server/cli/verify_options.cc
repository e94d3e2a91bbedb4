#include "server/cli/verify_options.h"

#include <absl/status/status.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include "base/ascii.h"
#include "base/str_cat.h"

namespace tokenwarden::server::cli {

const char kVerifyUsage[] =
    "usage: tokenwarden verify [OPTIONS] [TOKEN]\n"
    "\n"
    "Verifies a compact JWS/JWT. TOKEN absent or \"-\": read from stdin.\n"
    "Prints one JSON object; exit 0 valid, 1 invalid, 2 usage or key error.\n"
    "\n"
    "  --jwks PATH            JWK Set file with the verification keys\n"
    "  --key PATH             one key: PEM public key or certificate, or a single JWK\n"
    "  --issuer ISS           required iss (exact)\n"
    "  --audience AUD         accepted audience (repeatable)\n"
    "  --algorithms LIST      comma-separated allow-list (default: what the keys support)\n"
    "  --leeway SECONDS       clock skew for exp/nbf/iat/auth_time (default 0)\n"
    "  --now UNIX             evaluation time (default: the system clock)\n"
    "  --type TYP             required typ header, e.g. at+jwt\n"
    "  --nonce VALUE          required nonce claim\n"
    "  --access-token VALUE   check at_hash against this access token\n"
    "  --require-claim NAME   required claim (repeatable)\n"
    "  --scope SCOPE          required scope (repeatable)\n"
    "  --max-age SECONDS      auth_time must be present and no older than this\n"
    "  --allow-missing-exp    accept a token without exp\n"
    "  --explain              human-readable report instead of JSON\n";

namespace {

absl::StatusOr<int64_t> ParseInt(std::string_view option, std::string_view value) {
  // Strictly [-]digits: SimpleAtoi alone would also take " 5", "5\n" and "+5".
  const std::string_view digits = value.starts_with('-') ? value.substr(1) : value;
  const bool plain =
      !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  int64_t n = 0;
  if (!plain || !absl::SimpleAtoi(base::ToAbsl(value), &n)) {
    return absl::InvalidArgumentError(
        base::StrCat(option, ": \"", value, "\" is not an integer number of seconds"));
  }
  return n;
}

// ApplyValueOption sets the option `name` taking `value`; false if `name` takes no value.
absl::StatusOr<bool> ApplyValueOption(std::string_view name, std::string_view value,
                                      VerifyOptions& o) {
  Policy& p = o.policy;
  if (name == "--jwks") {
    o.jwks_path = std::string(value);
  } else if (name == "--key") {
    o.key_path = std::string(value);
  } else if (name == "--issuer") {
    p.issuer = std::string(value);
  } else if (name == "--audience") {
    p.audiences.emplace_back(value);
  } else if (name == "--algorithms") {
    absl::StatusOr<AlgorithmSet> set = AlgorithmSet::Parse(value);
    if (!set.ok()) {
      return absl::InvalidArgumentError(base::StrCat("--algorithms: ", set.status().message()));
    }
    p.algorithms = *set;
  } else if (name == "--leeway" || name == "--now" || name == "--max-age") {
    absl::StatusOr<int64_t> n = ParseInt(name, value);
    if (!n.ok()) {
      return n.status();
    }
    if (name == "--now") {
      o.now = *n;
    } else if (*n < 0) {
      return absl::InvalidArgumentError(base::StrCat(name, " must not be negative"));
    } else if (name == "--leeway") {
      p.leeway_seconds = *n;
    } else {
      p.max_age_seconds = *n;
    }
  } else if (name == "--type") {
    p.type = std::string(value);
  } else if (name == "--nonce") {
    p.nonce = std::string(value);
  } else if (name == "--access-token") {
    p.access_token = std::string(value);
  } else if (name == "--require-claim") {
    p.required_claims.emplace_back(value);
  } else if (name == "--scope") {
    p.required_scopes.emplace_back(value);
  } else {
    return false;
  }
  return true;
}

constexpr std::string_view kValueOptions[] = {
    "--jwks", "--key",   "--issuer",       "--audience",      "--algorithms", "--leeway", "--now",
    "--type", "--nonce", "--access-token", "--require-claim", "--scope",      "--max-age"};

// RefuseUrl fails when `path` (the value of --jwks or --key) is an http(s) URL: verify reads
// local files only, and "cannot read https://...: No such file or directory" would not say
// what to do instead.
absl::Status RefuseUrl(std::string_view option, const std::optional<std::string>& path) {
  if (!path.has_value() || !(base::StartsWithIgnoreCase(*path, "https://") ||
                             base::StartsWithIgnoreCase(*path, "http://"))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(base::StrCat(
      option, " is a URL, and verify does not fetch URLs: download it (curl -fsS -o ",
      option == "--jwks" ? "jwks.json" : "key.pem",
      " URL) and pass the file, or use tokenwarden serve, which fetches and refreshes keys "
      "(jwks_uri or discovery)"));
}

bool TakesValue(std::string_view name) {
  for (std::string_view option : kValueOptions) {
    if (option == name) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<VerifyOptions> ParseVerifyOptions(std::span<const std::string_view> args) {
  VerifyOptions o;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (only_positional || arg == "-" || !arg.starts_with("--")) {
      if (o.token.has_value()) {
        return absl::InvalidArgumentError("more than one TOKEN given");
      }
      o.token = std::string(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    // Only the long form, and only where an option may stand: a token argument (after "--" or
    // in value position) must never turn into help, whose exit 0 would read as "valid".
    if (arg == "--help") {
      o.help = true;
      continue;
    }
    if (arg == "--explain") {
      o.explain = true;
      continue;
    }
    if (arg == "--allow-missing-exp") {
      o.policy.require_exp = false;
      continue;
    }
    std::string_view name = arg, value;
    const size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (TakesValue(name)) {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError(base::StrCat(name, " needs a value"));
      }
      value = args[++i];
    }
    absl::StatusOr<bool> applied = ApplyValueOption(name, value, o);
    if (!applied.ok()) {
      return applied.status();
    }
    if (!*applied) {
      return absl::InvalidArgumentError(base::StrCat("unknown option ", name));
    }
  }
  if (o.help) {
    return o;
  }
  if (o.jwks_path.has_value() == o.key_path.has_value()) {
    return absl::InvalidArgumentError("give exactly one of --jwks PATH and --key PATH");
  }
  absl::Status url = RefuseUrl("--jwks", o.jwks_path);
  if (url.ok()) {
    url = RefuseUrl("--key", o.key_path);
  }
  if (!url.ok()) {
    return url;
  }
  o.policy.id_token = o.policy.nonce.has_value() || o.policy.access_token.has_value() ||
                      o.policy.max_age_seconds.has_value();
  return o;
}

}  // namespace tokenwarden::server::cli
