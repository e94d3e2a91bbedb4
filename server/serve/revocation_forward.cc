#include "server/serve/revocation_forward.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/str_cat.h"
#include "server/http/deferred.h"

namespace tokenwarden::server {
namespace {

// kDefaultRetryAfterSeconds: when the issuer named no Retry-After (as Unavailable's).
constexpr int64_t kDefaultRetryAfterSeconds = 5;

// HintOf passes the caller's token_type_hint on when it is a value RFC 7009 §2.1 defines;
// another would be the caller's guess, not what the issuer should search first.
std::string_view HintOf(const http::FormParams& form) {
  const std::optional<std::string_view> hint = form.Get("token_type_hint");
  if (hint == "access_token" || hint == "refresh_token") {
    return *hint;
  }
  return {};
}

// ResumeWith runs the route again for `token` with the endpoint's `answer`.
void ResumeWith(RouteContext& routes, const http::Request& request, http::Response& response,
                const std::string& token, const RevocationAnswer& answer) {
  WorkerContext::Resumed resumed;
  resumed.revocation = answer;
  resumed.token = token;
  routes.Resume(request, response, std::move(resumed));
}

// Forward sends the revocation of `token` to `live`'s revocation endpoint and defers the
// request for at most `wait_ms`; it runs again with the endpoint's answer (AnswerForwarded).
void Forward(RouteContext& routes, const http::Request& request, http::Response& response,
             const std::string& token, const std::shared_ptr<LiveIssuer>& live, uint32_t wait_ms,
             std::string_view hint) {
  if (request.deferrer == nullptr || live == nullptr || !live->has_upstream()) {
    SetError(response, 503, "temporarily_unavailable",
             "revoked here, but the issuer's revocation endpoint cannot be asked now");
    response.AddHeader("Retry-After", std::to_string(kDefaultRetryAfterSeconds));
    return;
  }
  auto later = std::make_shared<http::DeferredResponse>(request.deferrer->Defer(
      wait_ms, [&routes, token](const http::Request& again, http::Response& out) {
        ResumeWith(routes, again, out, token, RevocationAnswer{});  // kError: no answer in time
      }));
  live->Revoke(token, hint, [&routes, later, token](const RevocationAnswer& answer) {
    later->Resume([&routes, token, answer](const http::Request& again, http::Response& out) {
      ResumeWith(routes, again, out, token, answer);
    });
  });
}

}  // namespace

RouteContext::RecordedAnswer ThenForward(RouteContext& routes, const http::Request& request,
                                         std::string_view token, const IssuerRuntime& issuer,
                                         const WorkerContext& ctx,
                                         RouteContext::RecordedAnswer settled) {
  // The fetcher's own timeout bounds the call; the deadline here also covers its queue.
  const uint32_t wait_ms = issuer.config->fetch.timeout_ms + 1000;
  return [&routes, &request, copy = std::string(token), live = issuer.live, wait_ms,
          hint = std::string(HintOf(ctx.form)),
          settled = std::move(settled)](const absl::Status& status, http::Response& out) {
    if (!status.ok()) {
      settled(status, out);  // not revoked here: nothing to forward
      return;
    }
    Forward(routes, request, out, copy, live, wait_ms, hint);
  };
}

bool AnswerForwarded(const WorkerContext& ctx, std::string_view token, bool log_notes,
                     http::Response& response) {
  if (!ctx.resumed.active || !ctx.resumed.revocation.has_value() || ctx.resumed.token != token) {
    return false;
  }
  const RevocationAnswer& answer = *ctx.resumed.revocation;
  std::string_view note = " revoked forwarded";
  switch (answer.kind) {
    case RevocationAnswer::Kind::kRevoked:
      break;  // 200, as the route left it
    case RevocationAnswer::Kind::kUnsupportedTokenType:
      SetError(response, 400, "unsupported_token_type",
               "revoked here; the issuer does not revoke tokens of this type");
      note = " revoked forward_unsupported";
      break;
    case RevocationAnswer::Kind::kError:
      SetError(response, 503, "temporarily_unavailable",
               "revoked here, but the issuer's revocation endpoint did not confirm it; retry");
      response.AddHeader("Retry-After", std::to_string(answer.retry_after_seconds > 0
                                                           ? answer.retry_after_seconds
                                                           : kDefaultRetryAfterSeconds));
      note = " revoked forward_failed";
      break;
  }
  if (log_notes) {
    base::StrAppend(&response.log_note, note);
  }
  return true;
}

}  // namespace tokenwarden::server
