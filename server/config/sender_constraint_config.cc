#include "server/config/sender_constraint_config.h"

#include <cstdint>
#include <optional>
#include <string>

#include <openssl/rand.h>

#include "base/str_cat.h"
#include "server/config/config_reader.h"

namespace tokenwarden::server::config_reader {

namespace {

// kMinNonceSecretBytes: the nonces are HMAC-SHA256 tags; a shorter key would be the weak part.
constexpr size_t kMinNonceSecretBytes = 32;

// IsHeaderName: an HTTP field name (RFC 9110 §5.1, a token).
bool IsHeaderName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

absl::Status ReadDpopAlgorithms(element v, const std::string& field, AlgorithmSet& out) {
  std::vector<std::string> names;
  absl::Status s = ReadStringList(v, field, /*non_empty=*/true, names);
  if (!s.ok()) {
    return s;
  }
  out = AlgorithmSet();
  for (const std::string& name : names) {
    const std::optional<Algorithm> alg = ParseAlgorithm(name);
    if (!alg.has_value() || !DpopAlgorithms().Contains(*alg)) {
      return Invalid(field, base::StrCat(Quote(name),
                                         " is not an asymmetric JWS algorithm "
                                         "tokenwarden verifies (",
                                         DpopAlgorithms().ToString(), ")"));
    }
    out.Add(*alg);
  }
  return absl::OkStatus();
}

absl::Status ReadDpopReplay(element v, const std::string& field,
                            std::optional<DpopConfig::Replay>& out) {
  std::string replay;
  absl::Status s = ReadString(v, field, replay);
  if (!s.ok()) {
    return s;
  }
  if (replay == "local") {
    out = DpopConfig::Replay::kLocal;
  } else if (replay == "shared") {
    out = DpopConfig::Replay::kShared;
  } else if (replay == "shared_or_local") {
    out = DpopConfig::Replay::kSharedOrLocal;
  } else {
    return Invalid(field, "must be \"local\", \"shared\" or \"shared_or_local\"");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResolveDpopReplay(bool has_redis, DpopConfig& out) {
  if (!out.replay.has_value()) {
    out.replay = has_redis ? DpopConfig::Replay::kShared : DpopConfig::Replay::kLocal;
  } else if (*out.replay != DpopConfig::Replay::kLocal && !has_redis) {
    return Invalid("dpop.replay",
                   "a shared replay check needs `redis`, where the instances spend proofs");
  }
  return absl::OkStatus();
}

absl::Status ReadDpopMode(element value, std::string_view path, DpopMode& out) {
  std::string mode;
  absl::Status s = ReadString(value, path, mode);
  if (!s.ok()) {
    return s;
  }
  if (mode == "off") {
    out = DpopMode::kOff;
  } else if (mode == "allowed") {
    out = DpopMode::kAllowed;
  } else if (mode == "required") {
    out = DpopMode::kRequired;
  } else {
    return Invalid(path, "must be \"off\", \"allowed\" or \"required\"");
  }
  return absl::OkStatus();
}

absl::Status ReadDpop(element value, std::string_view path, std::string_view base_dir,
                      DpopConfig& out) {
  bool has_secret = false;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "algorithms") {
          return ReadDpopAlgorithms(v, field, out.algorithms);
        }
        if (key == "max_age_seconds") {
          return ReadNumber(v, field, 1, 3600, out.max_age_seconds);
        }
        if (key == "max_future_seconds") {
          return ReadNumber(v, field, 0, 3600, out.max_future_seconds);
        }
        if (key == "leeway_seconds") {
          return ReadNumber(v, field, 0, 300, out.leeway_seconds);
        }
        if (key == "replay_cache_entries") {
          return ReadNumber(v, field, 1024, int64_t{1} << 26, out.replay_cache_entries);
        }
        if (key == "nonce") {
          return ReadBool(v, field, out.nonce);
        }
        if (key == "replay") {
          return ReadDpopReplay(v, field, out.replay);
        }
        if (key == "nonce_lifetime_seconds") {
          return ReadNumber(v, field, 10, 86400, out.nonce_lifetime_seconds);
        }
        if (key == "nonce_secret_file" || key == "nonce_secret_env") {
          if (has_secret) {
            return Invalid(field, "give one of nonce_secret_file and nonce_secret_env");
          }
          has_secret = true;
          absl::Status s = key == "nonce_secret_file"
                               ? ReadSecretFile(v, field, base_dir, out.nonce_secret)
                               : ReadSecretEnv(v, field, out.nonce_secret);
          if (s.ok() && out.nonce_secret.size() < kMinNonceSecretBytes) {
            s = Invalid(field, "the nonce secret must be at least 32 bytes");
          }
          return s;
        }
        return UnknownField(path, key);
      });
  return status;
}

void KeepNonceSecret(DpopConfig& out) {
  if (out.nonce_secret.empty()) {
    out.nonce_secret.resize(kMinNonceSecretBytes);
    RAND_bytes(reinterpret_cast<uint8_t*>(out.nonce_secret.data()), out.nonce_secret.size());
  }
}

absl::Status ReadClientCertificate(element value, std::string_view path,
                                   ClientCertificateConfig& out) {
  bool has_header = false;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        if (key == "header") {
          has_header = true;
          absl::Status s = ReadString(v, field, out.header);
          if (s.ok() && !IsHeaderName(out.header)) {
            s = Invalid(field, "must be an HTTP header name");
          }
          return s;
        }
        if (key == "format") {
          std::string format;
          absl::Status s = ReadString(v, field, format);
          if (s.ok() && format == "pem") {
            out.format = ClientCertificateConfig::Format::kPem;
          } else if (s.ok() && format == "xfcc") {
            out.format = ClientCertificateConfig::Format::kXfcc;
          } else if (s.ok()) {
            s = Invalid(field, "must be \"pem\" (nginx) or \"xfcc\" (Envoy)");
          }
          return s;
        }
        return UnknownField(path, key);
      });
  if (status.ok() && !has_header) {
    status = MissingField(path, "header");
  }
  return status;
}

}  // namespace tokenwarden::server::config_reader
