// File: server/config/provider_profile.h
// -----------------------------------------------------------------------------
// Provider profiles: an issuer's `"profile": "okta"` fills in what that provider documents
// about its tokens (which claims carry scopes, the client, the token's kind; extra claim
// headers; the issuer's shape), so a configuration names the provider instead of spelling
// out each rule. A profile only sets core Policy knobs and claim headers that the issuer's
// own fields may also set (an explicit field replaces the profile's value), and never
// loosens the signature, algorithm, `exp` or `iss` rules. The README's profile table says
// what each one sets.
#ifndef TOKENWARDEN_SERVER_CONFIG_PROVIDER_PROFILE_H_
#define TOKENWARDEN_SERVER_CONFIG_PROVIDER_PROFILE_H_

#include <span>
#include <string_view>

#include <absl/status/status.h>

#include "server/config/config.h"

namespace tokenwarden::server {

// ProviderProfile is one named profile.
struct ProviderProfile {
  std::string_view name;
  // Apply sets the profile's defaults on an issuer whose own fields are not read yet.
  void (*apply)(IssuerConfig& issuer);
  // Check looks at the finished issuer (profile + fields) for what the provider documents
  // about its issuer and tokens: the reason a user can act on, or "" when it fits.
  std::string_view (*check)(const IssuerConfig& issuer);
};

// ProviderProfiles lists every profile, in the README table's order.
std::span<const ProviderProfile> ProviderProfiles();

// FindProviderProfile returns the profile named `name` exactly, or null.
const ProviderProfile* FindProviderProfile(std::string_view name);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_CONFIG_PROVIDER_PROFILE_H_
