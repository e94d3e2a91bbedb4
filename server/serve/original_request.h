// File: server/serve/original_request.h
// -----------------------------------------------------------------------------
// OriginalRequest is the request a gateway asks /validate about, rebuilt from what each
// gateway forwards:
//   nginx auth_request   X-Original-Method, X-Original-URI (configured with proxy_set_header)
//   Traefik forwardAuth  X-Forwarded-Method, X-Forwarded-Uri, X-Forwarded-Proto,
//                        X-Forwarded-Host (sent by Traefik itself)
//   Envoy ext_authz      the original method, and the original path after /validate
//                        (path_prefix), with the original Host and x-forwarded-proto
// The scheme comes from X-Forwarded-Proto and the host from X-Forwarded-Host, else the Host
// header. These headers are trusted as the gateway's own: /validate must be reachable only
// from the gateway (README, "Forward auth"). A header given twice, or two sources that
// disagree, make the request ambiguous rather than let a client pick the value it is judged
// by (say X-Forwarded-Uri: /public next to the gateway's X-Original-URI: /admin).
#ifndef TOKENWARDEN_SERVER_SERVE_ORIGINAL_REQUEST_H_
#define TOKENWARDEN_SERVER_SERVE_ORIGINAL_REQUEST_H_

#include <optional>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace tokenwarden::server {

struct OriginalRequest {
  // method is empty when a gateway forwarded a path but no method: only rules without a
  // method apply then.
  std::string_view method;
  // path is normalized (request_path.h); raw_path is the URI as forwarded, before
  // normalization, without its query and fragment (DPoP's htu compares it, RFC 9449 §4.3).
  std::string path;
  std::string_view raw_path;
  std::optional<std::string_view> scheme;  // as forwarded: compare ignoring case
  std::optional<std::string_view> host;    // host[:port] as forwarded
  // ambiguous: the method or path sources disagree, or a path is refused: no rule can be
  // chosen. origin_ambiguous: the scheme or host is given twice or as a list. Apart, so that
  // route rules (method and path) never depend on headers they do not read.
  bool ambiguous = false;
  bool origin_ambiguous = false;

  // Url is scheme://host + raw_path when the gateway forwarded all three unambiguously,
  // else nullopt.
  std::optional<std::string> Url() const;
};

// OriginalOf rebuilds the original request from the headers of `request` (a /validate call).
OriginalRequest OriginalOf(const http::Request& request);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_ORIGINAL_REQUEST_H_
