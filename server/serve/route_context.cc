#include "server/serve/route_context.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <openssl/sha.h>

#include "base/hex.h"
#include "base/json_escape.h"
#include "base/str_cat.h"
#include "server/http/deferred.h"

namespace tokenwarden::server {

RouteContext::RouteContext(RouteDeps deps, int workers, Redispatch redispatch)
    : deps_(std::move(deps)), redispatch_(std::move(redispatch)) {
  for (int i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<WorkerContext>(i));
  }
}

RouteContext::~RouteContext() = default;

bool RouteContext::RecordRevocations(const http::Request& request, http::Response& response,
                                     std::vector<revocation::Revocation> revocations, int64_t now,
                                     const RecordedAnswer& answer) {
  // In effect at once: the tokens stop working before anything is written.
  std::vector<revocation::Revocation> fresh;
  for (revocation::Revocation& r : revocations) {
    const absl::StatusOr<bool> added =
        deps_.denylist->Add(r.key, r.entry.expires_at, now, r.entry.issued_until);
    if (!added.ok()) {
      answer(added.status(), response);
      return true;
    }
    if (*added) {
      // What is recorded and shared is the entry as the denylist now holds it (a re-add keeps
      // the later of each time), so every copy converges on the same record.
      if (const std::optional<Denylist::Entry> held = deps_.denylist->Find(r.key, now)) {
        r.entry = *held;
      }
      fresh.push_back(r);
    }
  }
  // Shared once durable: an instance that hears of a revocation may rely on ours lasting.
  revocation::RevocationSync* sync = deps_.revocation_sync;
  const auto share = [sync](const std::vector<revocation::Revocation>& done) {
    for (const revocation::Revocation& r : done) {
      if (sync != nullptr) {
        sync->Share(r);
      }
    }
  };
  // A repeat (already revoked at least that long) costs no fsync, no log line, no message.
  if (fresh.empty() || deps_.log_committer == nullptr) {
    share(fresh);
    answer(absl::OkStatus(), response);
    return true;
  }
  if (request.deferrer == nullptr) {  // in-process suites that call a route directly
    std::promise<absl::Status> committed;
    deps_.log_committer->Commit(fresh,
                                [&committed](const absl::Status& s) { committed.set_value(s); });
    const absl::Status status = committed.get_future().get();
    if (status.ok()) {
      share(fresh);
    }
    answer(status, response);
    return true;
  }
  auto later = std::make_shared<http::DeferredResponse>(
      request.deferrer->Defer(kCommitWaitMs, [answer](const http::Request&, http::Response& out) {
        answer(absl::DeadlineExceededError("the revocation log did not answer in time"), out);
      }));
  deps_.log_committer->Commit(fresh, [later, answer, share, fresh](const absl::Status& status) {
    if (status.ok()) {
      share(fresh);
    }
    later->Resume(
        [answer, status](const http::Request&, http::Response& out) { answer(status, out); });
  });
  return false;
}

revocation::Revocation AttributeRevocation(const ServerState& state, int issuer,
                                           RevokedAttribute attribute, std::string_view value,
                                           int64_t issued_until) {
  const IssuerConfig& config = *state.issuers()[static_cast<size_t>(issuer)].config;
  const int64_t leeway = static_cast<int64_t>(std::ceil(config.policy.leeway_seconds));
  // Saturating: an issue time far in the future never wraps.
  const int64_t lifetime = config.max_token_lifetime_seconds + leeway;
  const int64_t expires_at = issued_until > Denylist::kAnyTime - 1 - lifetime
                                 ? Denylist::kAnyTime - 1
                                 : issued_until + lifetime;
  return revocation::Revocation{Denylist::AttributeKeyFor(attribute, *config.policy.issuer, value),
                                Denylist::Entry{expires_at, issued_until}};
}

void RevocationUnavailable(const absl::Status& status, http::Response& response) {
  SetError(response, 503, "temporarily_unavailable",
           absl::IsResourceExhausted(status) ? "the revocation denylist is full"
                                             : "the revocation could not be made durable");
  response.AddHeader("Retry-After", "1");
}

RouteContext::RecordedAnswer RecordedReply(RecordedReplyOptions options) {
  return [o = std::move(options)](const absl::Status& status, http::Response& out) {
    if (o.no_store) {
      out.AddHeader("Cache-Control", "no-store");
    }
    out.log_note = o.note;
    if (!status.ok()) {
      RevocationUnavailable(status, out);
      return;
    }
    if (o.body.empty()) {
      out.content_type = "";
    }
    out.body = o.body;
    if (o.log_notes) {
      base::StrAppend(&out.log_note, o.suffix);
    }
  };
}

void SetError(http::Response& response, int status, std::string_view code,
              std::string_view description) {
  response.status = status;
  response.content_type = "application/json";
  response.body.assign("{\"error\":");
  base::AppendJsonQuoted(code, response.body);
  response.body.append(",\"error_description\":");
  base::AppendJsonQuoted(description, response.body);
  response.body.push_back('}');
}

std::string TokenDigest(std::string_view token) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(token.data()), token.size(), digest);
  return base::HexEncode(std::span<const uint8_t>(digest, 6));
}

void Unavailable(http::Response& response, const TokenVerdict& verdict) {
  SetError(response, 503, "temporarily_unavailable",
           verdict.description.empty() ? "the token's issuer cannot be reached; retry later"
                                       : verdict.description);
  const int64_t retry_after = verdict.retry_after_seconds > 0 ? verdict.retry_after_seconds : 5;
  response.AddHeader("Retry-After", std::to_string(retry_after));
  response.AddHeader("Cache-Control", "no-store");  // an answer about now, not about the token
}

Denylist::Key OpaqueRevocationKey(std::string_view issuer, std::string_view token) {
  // The signing-input slot of KeyFor takes the whole token, prefixed so that it can never
  // equal a JWS signing input (which never starts with a space).
  return Denylist::KeyFor(issuer, std::nullopt, base::StrCat(" opaque ", token));
}

int OpaqueIssuerFor(std::string_view token, const ServerState& state, WorkerContext& ctx) {
  if (!IsCompactJws(token)) {
    return state.config().opaque_issuer;  // not a compact JWS (RFC 7515 §7.1)
  }
  const bool any_opaque =
      std::any_of(state.issuers().begin(), state.issuers().end(),
                  [](const IssuerRuntime& issuer) { return issuer.config->opaque; });
  if (!any_opaque) {
    return -1;
  }
  // A JWT goes to an issuer's endpoint only when its own `iss` names that issuer (by the
  // routing rule: its identifier, an alias or its tenant template), even with a single issuer,
  // where routing alone reads no claim: a token of another issuer, or of none, is never
  // handed to this issuer's endpoint.
  const int issuer = state.issuer_set().ByIss(ctx.Route(token, state, /*parse=*/true)).issuer;
  return issuer >= 0 && state.issuers()[static_cast<size_t>(issuer)].config->opaque ? issuer : -1;
}

}  // namespace tokenwarden::server
