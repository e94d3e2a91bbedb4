// Private to server/config: the members of an `issuers[]` entry for issuers whose keys are
// fetched (jwks_uri, discovery, fetch, keys) and whose opaque tokens are introspected
// upstream (introspection, opaque).
#ifndef TOKENWARDEN_SERVER_CONFIG_REMOTE_ISSUER_CONFIG_H_
#define TOKENWARDEN_SERVER_CONFIG_REMOTE_ISSUER_CONFIG_H_

#include <span>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <simdjson.h>

#include "server/config/config.h"

namespace tokenwarden::server::config_reader {

// ReadRemoteIssuerField reads member `key` of an issuer entry if it is one of the members
// above; NotFoundError otherwise (the caller names the unknown field).
absl::Status ReadRemoteIssuerField(std::string_view key, simdjson::dom::element value,
                                   const std::string& field, std::string_view base_dir,
                                   IssuerConfig& out);

// CheckIssuerSources runs once the entry at `path` is read, `written` naming the members it
// had: at most one key source — none makes an issuer of opaque tokens only (KeySource::kNone,
// `opaque`), which needs `introspection` and refuses the members about keys —, remote sources
// with an explicit `algorithms` list and http(s) URLs as allowed, an introspection endpoint
// where discovery cannot supply one.
absl::Status CheckIssuerSources(std::string_view path, std::span<const std::string_view> written,
                                IssuerConfig& out);

// IsAllowedUrl tells whether `url` is an absolute https URL (or http with `allow_plain_http`)
// with a host. Full parsing happens when the URL is used.
bool IsAllowedUrl(std::string_view url, bool allow_plain_http);

}  // namespace tokenwarden::server::config_reader

#endif  // TOKENWARDEN_SERVER_CONFIG_REMOTE_ISSUER_CONFIG_H_
