// File: core/base64url.h
// -----------------------------------------------------------------------------
// Transitional. The strict base64url codec is base/base64url.h (namespace tokenwarden::base),
// and the core uses it from there. This header keeps the old names in namespace tokenwarden
// only for server/serve/payload_reader.cc, which still decodes token payloads itself until the
// token-flow change removes that; delete this header with it. New code includes
// base/base64url.h (tests/layering_test.sh refuses this header outside core/).
#ifndef TOKENWARDEN_CORE_BASE64URL_H_
#define TOKENWARDEN_CORE_BASE64URL_H_

#include "base/base64url.h"

namespace tokenwarden {

using base::Base64UrlDecode;
using base::Base64UrlDecodedLength;
using base::Base64UrlDecodeToString;
using base::Base64UrlEncode;

}  // namespace tokenwarden

#endif  // TOKENWARDEN_CORE_BASE64URL_H_
