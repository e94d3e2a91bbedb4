// File: bindings/node/src/outcome.h
// -----------------------------------------------------------------------------
// Turning a validation's Verdict into what the JS layer receives. Success is the payload
// JSON string (or [header, payload] strings), which lib/ parses with JSON.parse (faster than
// building objects here). A failure is a plain object {code, summary, detail, claim?,
// payload?} that lib/ turns into a TokenError or a jose-style error; being an object rather
// than a string tells the two apart with one typeof.
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_OUTCOME_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_OUTCOME_H_

#include <napi.h>

#include "bindings/common/validator_handle.h"

namespace tokenwarden::node {

// ResultValue is the success value or the failure object of `out`.
napi_value ResultValue(napi_env env, const bindings::Verdict& out, bool with_header);

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_OUTCOME_H_
