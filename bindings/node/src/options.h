// File: bindings/node/src/options.h
// -----------------------------------------------------------------------------
// ToHandleOptions converts the options object the JS layer passes to the native Verifier
// (lib/index.js has already turned `jwks` into text) into the shared glue's HandleOptions.
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_OPTIONS_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_OPTIONS_H_

#include <napi.h>

#include "bindings/common/validator_handle.h"

namespace tokenwarden::node {

// ToHandleOptions reads jwks (string, required), issuer, audience (string or array),
// algorithms, leeway (seconds), typ, requiredClaims, scopes, cache (entries), maxTokenBytes,
// requireExp, checkExp, checkNbf, checkIat, checkBinding and dpopRequired. undefined and null mean
// "not set". Throws a TypeError naming the option for a wrong type or an unknown name.
bindings::HandleOptions ToHandleOptions(const Napi::Object& options);

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_OPTIONS_H_
