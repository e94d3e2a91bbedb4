#include "server/config/redis_config.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

#include "base/str_cat.h"
#include "server/config/config_reader.h"

namespace tokenwarden::server {
namespace {

// ParseDecimal reads all of `text` as a decimal number in [min, max].
bool ParseDecimal(std::string_view text, int64_t min, int64_t max, int64_t& out) {
  if (text.empty() || text.size() > 10) {
    return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

// IsHostName accepts DNS names (letters, digits, '-', '.', '_') — nothing that could smuggle
// a path, port or credentials.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ParseRedisUrl(std::string_view url, RedisConfig& out) {
  std::string_view rest;
  if (url.starts_with("redis://")) {
    out.tls = false;
    rest = url.substr(8);
  } else if (url.starts_with("rediss://")) {
    out.tls = true;
    rest = url.substr(9);
  } else {
    return absl::InvalidArgumentError("must start with redis:// or rediss:// (TLS)");
  }
  if (rest.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "must not hold credentials: give the password in password_file or password_env and "
        "the user in username");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError("query and fragment parts are not supported");
  }
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view db = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  std::string_view host = authority, port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("unclosed '[' in the host");
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return absl::InvalidArgumentError("unexpected text after the IPv6 address");
    }
    has_port = !after.empty();
    port = has_port ? after.substr(1) : "";
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) {
      return absl::InvalidArgumentError("the bracketed host is not an IPv6 address");
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (!IsHostName(host)) {
      return absl::InvalidArgumentError("needs a host name or address");
    }
  }
  int64_t n = 6379;
  if (has_port && !ParseDecimal(port, 1, 65535, n)) {
    return absl::InvalidArgumentError("the port must be a number in [1, 65535]");
  }
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(n);
  int64_t index = 0;
  if (db.ends_with('/')) {
    db.remove_suffix(1);
  }
  if (!db.empty() && !ParseDecimal(db, 0, 1 << 20, index)) {
    return absl::InvalidArgumentError("the path must be a database number (e.g. /0)");
  }
  out.db = static_cast<int>(index);
  return absl::OkStatus();
}

namespace config_reader {

absl::Status ReadRedis(simdjson::dom::element value, std::string_view path,
                       std::string_view base_dir, RedisConfig& out) {
  int secrets = 0;
  bool has_url = false;
  absl::Status status = VisitObject(
      value, path, [&](std::string_view key, simdjson::dom::element v, const std::string& field) {
        if (key == "url") {
          has_url = true;
          if (absl::Status s = ReadString(v, field, out.url); !s.ok()) {
            return s;  // already names the field
          }
          absl::Status s = ParseRedisUrl(out.url, out);
          return s.ok() ? s : Invalid(field, View(s.message()));
        }
        if (key == "username") {
          return ReadString(v, field, out.username);
        }
        if (key == "password_file") {
          ++secrets;
          return ReadSecretFile(v, field, base_dir, out.password);
        }
        if (key == "password_env") {
          ++secrets;
          return ReadSecretEnv(v, field, out.password);
        }
        if (key == "password") {
          return Invalid(field,
                         "secrets are not kept in the configuration: use password_file or "
                         "password_env");
        }
        if (key == "ca_file") {
          std::string file;
          absl::Status s = ReadString(v, field, file);
          out.ca_file = ResolvePath(base_dir, file);
          return s;
        }
        if (key == "key_prefix") {
          absl::Status s = ReadString(v, field, out.key_prefix);
          if (s.ok() && (out.key_prefix.size() > 64 ||
                         out.key_prefix.find_first_of(" *?[]\\\r\n\t") != std::string::npos)) {
            s = Invalid(field, "must be at most 64 characters without spaces or *?[]\\");
          }
          return s;
        }
        if (key == "connect_timeout_ms") {
          return ReadNumber(v, field, 10, 60000, out.connect_timeout_ms);
        }
        if (key == "command_timeout_ms") {
          return ReadNumber(v, field, 10, 60000, out.command_timeout_ms);
        }
        if (key == "reconnect_min_ms") {
          return ReadNumber(v, field, 10, 60000, out.reconnect_min_ms);
        }
        if (key == "reconnect_max_ms") {
          return ReadNumber(v, field, 10, 600000, out.reconnect_max_ms);
        }
        if (key == "share_opaque_results") {
          return ReadBool(v, field, out.share_opaque_results);
        }
        return UnknownField(path, key);
      });
  if (status.ok() && !has_url) {
    status = MissingField(path, "url");
  }
  if (status.ok() && secrets > 1) {
    status = Invalid(path, "give at most one of password_file and password_env");
  }
  if (status.ok() && !out.username.empty() && secrets == 0) {
    status = Invalid(path, "username needs password_file or password_env");
  }
  if (status.ok() && !out.ca_file.empty() && !out.tls) {
    status = Invalid(FieldPath(path, "ca_file"), "applies to rediss:// URLs only");
  }
  if (status.ok() && out.reconnect_min_ms > out.reconnect_max_ms) {
    status = Invalid(FieldPath(path, "reconnect_min_ms"), "must not exceed reconnect_max_ms");
  }
  return status;
}

}  // namespace config_reader
}  // namespace tokenwarden::server
