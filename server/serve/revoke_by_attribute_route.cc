// POST /revoke-by-attribute: a privileged caller (a client with revoke_by_attribute) ends
// every token of an issuer with one sid, sub or client id issued until a time — an account
// disabled, a client withdrawn, a session ended by other means than back-channel logout.
// Form: `iss` (the issuer identifier), `attribute` (sid, sub or client_id), `value`, and
// optionally `issued_until` (Unix seconds, at most now; default now). In effect at once,
// durable before the answer, shared with the other instances, checked on every validation.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json_escape.h"
#include "base/str_cat.h"
#include "core/denylist.h"
#include "server/serve/caller_auth.h"
#include "server/serve/endpoints.h"
#include "server/serve/route_context.h"

namespace tokenwarden::server {
namespace {

// kMaxValueBytes bounds an attribute value (sid, sub and client ids are short identifiers).
constexpr size_t kMaxValueBytes = 1024;

struct Asked {
  RevokedAttribute attribute = RevokedAttribute::kSid;
  std::string_view name;  // "sid", "sub" or "client_id"
  std::string_view value;
};

// ReadAttribute reads `attribute` (sid, sub or client_id) and `value`; nullopt with the error
// filled. Not `client_id=...` itself: that names the caller (client_secret_post).
std::optional<Asked> ReadAttribute(const http::FormParams& form, http::Response& response) {
  constexpr std::pair<std::string_view, RevokedAttribute> kNames[] = {
      {"sid", RevokedAttribute::kSid},
      {"sub", RevokedAttribute::kSub},
      {"client_id", RevokedAttribute::kClientId}};
  const std::optional<std::string_view> name = form.Get("attribute");
  const std::optional<std::string_view> value = form.Get("value");
  for (const auto& [known, attribute] : kNames) {
    if (name != known) {
      continue;
    }
    if (!value.has_value() || value->empty() || value->size() > kMaxValueBytes) {
      SetError(response, 400, "invalid_request",
               base::StrCat("value must be 1 to ", kMaxValueBytes, " bytes"));
      return std::nullopt;
    }
    return Asked{attribute, known, *value};
  }
  SetError(response, 400, "invalid_request", "attribute must be sid, sub or client_id");
  return std::nullopt;
}

// ReadIssuedUntil reads `issued_until`: canonical decimal seconds, not after `now` (a
// revocation of tokens not yet issued would lock out the next sign-in).
std::optional<int64_t> ReadIssuedUntil(const http::FormParams& form, int64_t now,
                                       http::Response& response) {
  const std::optional<std::string_view> text = form.Get("issued_until");
  if (!text.has_value()) {
    return now;
  }
  int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto r = std::from_chars(text->data(), end, value);
  if (text->empty() || r.ec != std::errc() || r.ptr != end || value < 0 || value > now) {
    SetError(response, 400, "invalid_request",
             "issued_until must be Unix seconds, not after the current time");
    return std::nullopt;
  }
  return value;
}

}  // namespace

void RevokeByAttributeRoute(RouteContext& routes, const http::Request& request,
                            http::Response& response, WorkerContext& ctx) {
  const std::optional<CallerRequest> accepted =
      AcceptCaller(routes.deps(), request, ctx, response, /*token=*/false);
  if (!accepted.has_value()) {
    return;
  }
  const ServerState& state = accepted->state;
  const int64_t now = accepted->now;
  const Caller& caller = accepted->caller;
  if (caller.client == nullptr || !caller.client->revoke_by_attribute) {
    SetError(response, 403, "access_denied", "this caller may not revoke by attribute");
    return;
  }
  const std::optional<std::string_view> iss = ctx.form.Get("iss");
  int issuer = -1;
  for (size_t i = 0; iss.has_value() && i < state.issuers().size(); ++i) {
    if (*state.issuers()[i].config->policy.issuer == *iss) {
      issuer = static_cast<int>(i);
    }
  }
  if (issuer < 0) {
    SetError(response, 400, "invalid_request", "iss must name a configured issuer");
    return;
  }
  // A revoke_by_attribute client has no audience limit (the configuration refuses one: an
  // attribute covers tokens of every audience), so its issuers are its only limit.
  const std::vector<std::string>& limit = *caller.limit_issuers;
  if (!limit.empty() && std::find(limit.begin(), limit.end(), *iss) == limit.end()) {
    SetError(response, 403, "access_denied", "the issuer is outside this caller's issuers");
    return;
  }
  const std::optional<Asked> asked = ReadAttribute(ctx.form, response);
  const std::optional<int64_t> issued_until =
      asked.has_value() ? ReadIssuedUntil(ctx.form, now, response) : std::nullopt;
  if (!asked.has_value() || !issued_until.has_value()) {
    return;
  }
  const revocation::Revocation revocation =
      AttributeRevocation(state, issuer, asked->attribute, asked->value, *issued_until);
  std::string body = "{\"iss\":\"";
  base::AppendJsonEscaped(*iss, body);
  base::StrAppend(&body, "\",\"attribute\":\"", asked->name, "\",\"value\":\"");
  base::AppendJsonEscaped(asked->value, body);
  base::StrAppend(&body, "\",\"issued_until\":", *issued_until,
                  ",\"kept_until\":", revocation.entry.expires_at, "}");
  (void)routes.RecordRevocations(
      request, response, {revocation}, now,
      RecordedReply({response.log_note, base::StrCat(" revoked by ", asked->name),
                     routes.deps().log_notes, std::move(body), /*no_store=*/true}));
}

}  // namespace tokenwarden::server
