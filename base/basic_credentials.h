// File: base/basic_credentials.h
// -----------------------------------------------------------------------------
// The `Authorization: Basic` value a client sends (RFC 7617 §2), in the two spellings OAuth
// servers expect: RFC 6749 §2.3.1 has the client id and secret form-urlencoded before they
// are joined with ':' and Base64-encoded, while many servers read the bytes as they are and
// never decode. The upstream introspection client sends either; the configuration refuses
// credentials the unencoded spelling cannot carry, by the rules below, before anything is
// sent.
#ifndef TOKENWARDEN_BASE_BASIC_CREDENTIALS_H_
#define TOKENWARDEN_BASE_BASIC_CREDENTIALS_H_

#include <string>
#include <string_view>

namespace tokenwarden::base {

// BasicAuthorization returns "Basic " + Base64(id ":" secret), with `id` and `secret`
// form-urlencoded first when `form_encode` (RFC 6749 §2.3.1); otherwise their bytes as they
// are (UTF-8, RFC 7617 §2.1), which the caller has checked with the two functions below.
std::string BasicAuthorization(std::string_view id, std::string_view secret, bool form_encode);

// IsRawBasicUserId: `id` can be sent unencoded — no ':' (the first ':' ends the user-id) and
// no control character (RFC 7617 §2).
bool IsRawBasicUserId(std::string_view id);

// IsRawBasicPassword: `secret` can be sent unencoded — no control character (RFC 7617 §2).
bool IsRawBasicPassword(std::string_view secret);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_BASIC_CREDENTIALS_H_
