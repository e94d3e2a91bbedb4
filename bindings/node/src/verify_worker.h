// File: bindings/node/src/verify_worker.h
// -----------------------------------------------------------------------------
// QueueVerify runs one Validate on the libuv thread pool (napi_async_work) and returns a
// Promise that resolves with ResultValue's value (success string(s) or failure object; lib/
// turns a failure into a rejection).
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_VERIFY_WORKER_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_VERIFY_WORKER_H_

#include <cstdint>
#include <memory>
#include <string>

#include <napi.h>

#include "bindings/common/validator_handle.h"

namespace tokenwarden::node {

// `dpop_jkt` and `certificate_thumbprint` are what the request presented (empty: nothing).
napi_value QueueVerify(napi_env env, std::shared_ptr<const bindings::ValidatorHandle> handle,
                       std::string token, double now, bool with_header, std::string dpop_jkt,
                       std::string certificate_thumbprint);

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_VERIFY_WORKER_H_
