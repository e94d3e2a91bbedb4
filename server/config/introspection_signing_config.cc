#include "server/config/introspection_signing_config.h"

#include <memory>
#include <string>
#include <utility>

#include <absl/status/statusor.h>
#include <openssl/mem.h>

#include "base/read_file.h"
#include "base/str_cat.h"
#include "base/uri_chars.h"
#include "core/jws_signer.h"
#include "server/config/config_reader.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::config_reader {
namespace {

// kMaxKeyFileBytes bounds the private key file: an RSA 16384-bit PEM is about 13 KB.
constexpr size_t kMaxKeyFileBytes = 64 << 10;

// The algorithms JwsSigner signs with, in the order messages list them.
constexpr Algorithm kSigningAlgorithms[] = {Algorithm::kEs256, Algorithm::kRs256, Algorithm::kPs256,
                                            Algorithm::kEdDsa};

// Routes other than the JWK Set live under /.well-known/ only here (RFC 9728 metadata).
constexpr std::string_view kWellKnown = "/.well-known/";
constexpr std::string_view kResourceMetadata = "/.well-known/oauth-protected-resource";

absl::Status ReadSigningAlg(element v, std::string_view field, std::optional<Algorithm>& out) {
  std::string name;
  absl::Status s = ReadString(v, field, name);
  if (!s.ok()) {
    return s;
  }
  out = ParseAlgorithm(name);
  for (const Algorithm alg : kSigningAlgorithms) {
    if (out == alg) {
      return absl::OkStatus();
    }
  }
  return Invalid(field, base::StrCat(Quote(name),
                                     " is not an algorithm tokenwarden signs with: ES256, RS256, "
                                     "PS256 or EdDSA (names are case-sensitive)"));
}

// JwksPathProblem says why `path` cannot be where the JWK Set is served, or "". It must sit
// under /.well-known/ (RFC 8615), which keeps it clear of every endpoint but the RFC 9728
// metadata, whose paths it must not take either.
std::string JwksPathProblem(std::string_view path) {
  if (!path.starts_with(kWellKnown) || path.size() == kWellKnown.size()) {
    return "must be a path under /.well-known/, e.g. \"/.well-known/introspection-jwks.json\"";
  }
  for (const char c : path) {
    if (!base::IsUriUnreserved(c) && c != '/') {
      return "may hold only letters, digits, '-', '.', '_', '~' and '/'";
    }
  }
  if (path.find("//") != std::string_view::npos || path.find("/./") != std::string_view::npos ||
      path.find("/../") != std::string_view::npos || path.ends_with("/.") ||
      path.ends_with("/..")) {
    return "must be a normalized path (no empty, '.' or '..' segments)";
  }
  if (path.starts_with(kResourceMetadata) &&
      (path.size() == kResourceMetadata.size() || path[kResourceMetadata.size()] == '/')) {
    return "is where RFC 9728 resource metadata is served";
  }
  return "";
}

// LoadSigner reads the key file and makes the signer: a file whose first character (after
// whitespace) is '{' is a JWK, anything else PEM. The contents are wiped after use.
absl::Status LoadSigner(std::string_view field, const std::string& written,
                        std::string_view base_dir, IntrospectionSigningConfig& out) {
  std::string contents, why;
  out.key_file = ResolvePath(base_dir, written);
  if (!base::ReadBoundedFile(out.key_file, kMaxKeyFileBytes, contents, why)) {
    return Invalid(field, base::StrCat("cannot read ", Quote(written), ": ", why));
  }
  const size_t first = contents.find_first_not_of(" \t\r\n");
  const bool jwk = first != std::string::npos && contents[first] == '{';
  absl::StatusOr<JwsSigner> signer = jwk ? JwsSigner::FromPrivateJwk(contents, out.alg, out.kid)
                                         : JwsSigner::FromPrivatePem(contents, out.alg, out.kid);
  OPENSSL_cleanse(contents.data(), contents.size());
  if (!signer.ok()) {
    return Invalid(field, base::StrCat(Quote(written), ": ", View(signer.status().message())));
  }
  out.signer = std::make_shared<const JwsSigner>(*std::move(signer));
  return absl::OkStatus();
}

absl::Status ReadSigningField(std::string_view path, std::string_view key, element v,
                              const std::string& field, IntrospectionSigningConfig& out,
                              std::string& key_file, std::optional<Algorithm>& alg) {
  if (key == "issuer") {
    absl::Status s = ReadString(v, field, out.issuer);
    if (s.ok() && !out.issuer.starts_with("https://")) {
      return Invalid(field, "must be an https:// URL: the identifier callers know this server by");
    }
    if (absl::StatusOr<fetch::Url> url = fetch::ParseUrl(out.issuer); s.ok() && !url.ok()) {
      return Invalid(field, View(url.status().message()));
    }
    return s;
  }
  if (key == "key_file") {
    return ReadString(v, field, key_file);
  }
  if (key == "alg") {
    return ReadSigningAlg(v, field, alg);
  }
  if (key == "kid") {
    absl::Status s = ReadString(v, field, out.kid);
    for (const char c : out.kid) {
      if (s.ok() && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) {
        s = Invalid(field, "must not contain control characters");
      }
    }
    return s;
  }
  if (key == "jwks_path") {
    absl::Status s = ReadString(v, field, out.jwks_path);
    const std::string problem = s.ok() ? JwksPathProblem(out.jwks_path) : "";
    return problem.empty() ? s : Invalid(field, problem);
  }
  return UnknownField(path, key);
}

}  // namespace

absl::Status ReadIntrospectionSigning(element value, std::string_view path,
                                      std::string_view base_dir, IntrospectionSigningConfig& out) {
  std::string key_file;
  std::optional<Algorithm> alg;
  absl::Status status =
      VisitObject(value, path, [&](std::string_view key, element v, const std::string& field) {
        return ReadSigningField(path, key, v, field, out, key_file, alg);
      });
  for (const std::string_view required : {"issuer", "key_file", "alg"}) {
    const bool missing = required == "issuer"     ? out.issuer.empty()
                         : required == "key_file" ? key_file.empty()
                                                  : !alg.has_value();
    if (status.ok() && missing) {
      status = MissingField(path, required);
    }
  }
  if (!status.ok()) {
    return status;
  }
  out.alg = *alg;
  return LoadSigner(FieldPath(path, "key_file"), key_file, base_dir, out);
}

absl::Status ReadSignedResponseAlg(element value, std::string_view path,
                                   std::optional<Algorithm>& out) {
  return ReadSigningAlg(value, path, out);
}

absl::Status CheckSignedResponseClients(const std::vector<ClientConfig>& clients,
                                        const std::optional<IntrospectionSigningConfig>& signing) {
  for (size_t i = 0; i < clients.size(); ++i) {
    const std::optional<Algorithm>& wanted = clients[i].introspection_signed_response_alg;
    if (!wanted.has_value()) {
      continue;
    }
    const std::string field =
        FieldPath(IndexPath("clients", i), "introspection_signed_response_alg");
    if (!signing.has_value()) {
      return Invalid(field, "needs introspection_signing (the key signed answers are made with)");
    }
    if (*wanted != signing->alg) {
      return Invalid(
          field,
          base::StrCat("is ", AlgorithmName(*wanted), " but introspection_signing.alg is ",
                       AlgorithmName(signing->alg), " (answers are signed with that one key)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace tokenwarden::server::config_reader
