#include "core/logout_token.h"

#include <cmath>
#include <utility>

#include <simdjson.h>

#include "core/policy.h"

namespace tokenwarden {

namespace {

// HasLogoutEvent: `events` (the claim's JSON text) is an object whose back-channel logout
// member is an object (§2.4).
Error CheckEvents(std::optional<std::string_view> events, std::string_view& detail) {
  if (!events.has_value()) {
    detail = "a logout token needs an events claim";
    return Error::kMissingClaim;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(events->data(), events->size()).get_object().get(object) != simdjson::SUCCESS) {
    detail = "events must be a JSON object";
    return Error::kInvalidType;
  }
  simdjson::dom::element event;
  if (object.at_key(kBackChannelLogoutEvent).get(event) != simdjson::SUCCESS) {
    detail = "events has no back-channel logout event: not a logout token";
    return Error::kInvalidType;
  }
  if (!event.is_object()) {
    detail = "the back-channel logout event's value must be a JSON object";
    return Error::kInvalidType;
  }
  return Error::kOk;
}

int64_t CeilSeconds(double t) {
  const double up = std::ceil(t);
  return up >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(up);
}

}  // namespace

Error VerifyLogoutToken(std::string_view token, std::shared_ptr<const KeySet> keys,
                        const LogoutTokenRules& rules, double now, LogoutToken& out,
                        std::string_view& detail) {
  detail = {};
  Policy policy;
  policy.issuer = rules.issuer;
  policy.audiences = rules.client_ids;
  policy.algorithms = rules.algorithms;
  policy.leeway_seconds = rules.leeway_seconds;
  policy.require_exp = false;  // see the header: iat bounds a token without exp
  absl::StatusOr<Verifier> verifier = Verifier::Create(std::move(policy), std::move(keys));
  if (!verifier.ok() || rules.client_ids.empty()) {
    detail = "the relying party's logout settings are unusable";
    return Error::kInvalidAudience;
  }
  VerifyScratch scratch;
  VerifiedToken t;
  const Error error = verifier->Verify(token, now, scratch, t);
  if (error != Error::kOk) {
    detail = t.detail;
    return error;
  }
  const Claims& c = t.claims;
  if (t.header.typ.has_value() && NormalizeType(*t.header.typ) != "logout+jwt") {
    detail = "typ must be logout+jwt";
    return Error::kInvalidType;
  }
  if (c.nonce.has_value()) {
    detail = "a logout token must not carry a nonce";
    return Error::kInvalidNonce;
  }
  if (!c.iat.has_value()) {
    detail = "a logout token needs iat";
    return Error::kMissingClaim;
  }
  if (*c.iat < now - static_cast<double>(rules.max_age_seconds) - rules.leeway_seconds) {
    detail = "iat is older than the logout token window";
    return Error::kTooOld;
  }
  if (!c.jti.has_value() || c.jti->empty()) {
    detail = "a logout token needs jti";
    return Error::kMissingClaim;
  }
  if (!c.sub.has_value() && !c.sid.has_value()) {
    detail = "a logout token names sub, sid or both";
    return Error::kMissingClaim;
  }
  if (const Error e = CheckEvents(c.Find("events"), detail); e != Error::kOk) {
    return e;
  }
  out.issuer = std::string(*c.iss);
  out.sub = c.sub.has_value() ? std::optional<std::string>(*c.sub) : std::nullopt;
  out.sid = c.sid.has_value() ? std::optional<std::string>(*c.sid) : std::nullopt;
  out.jti = std::string(*c.jti);
  out.iat = *c.iat;
  const double until =
      c.exp.has_value() ? *c.exp : *c.iat + static_cast<double>(rules.max_age_seconds);
  out.replay_until = CeilSeconds(until + rules.leeway_seconds);
  return Error::kOk;
}

}  // namespace tokenwarden
