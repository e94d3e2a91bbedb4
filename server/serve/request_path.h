// File: server/serve/request_path.h
// -----------------------------------------------------------------------------
// NormalizeRequestPath turns the path of the request a gateway asks /validate about into the
// form the application behind the gateway will act on, so that route_scopes rules match what
// is really served: a client must not reach /admin as "/public/../admin", "/%61dmin" or
// "//admin". From a URI as sent (X-Original-URI is nginx's raw $request_uri):
//   - the query (from '?') and fragment (from '#') are dropped;
//   - percent-encodings are decoded (RFC 3986 §2.1);
//   - empty segments are merged ("//" -> "/", as nginx's merge_slashes does);
//   - "." and ".." segments are resolved (RFC 3986 §5.2.4), never above the root.
// It refuses (nullopt) what applications disagree on, rather than guess: a path that does not
// start with '/', a malformed %-escape, and an encoded '/', '\' or any control character,
// as well as a literal '\' or control character.
#ifndef TOKENWARDEN_SERVER_SERVE_REQUEST_PATH_H_
#define TOKENWARDEN_SERVER_SERVE_REQUEST_PATH_H_

#include <optional>
#include <string>
#include <string_view>

namespace tokenwarden::server {

std::optional<std::string> NormalizeRequestPath(std::string_view uri);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_REQUEST_PATH_H_
