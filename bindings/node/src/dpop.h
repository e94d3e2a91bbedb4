// File: bindings/node/src/dpop.h
// -----------------------------------------------------------------------------
// DPoP proof verification (RFC 9449) for Node, over bindings/common/dpop_check.h; lib/dpop.js
// checks the options object and wraps these in the public API.
//
//   const cache = new native.DpopReplayCache(capacity);  // cache.size
//   native.verifyDpopProof(proof, method, url, accessToken, nonce, now, algorithms, maxAge,
//                          maxFuture, leeway, cache)
//     -> {jkt, jti, iat, alg, nonce?}, or a failure object {code, summary, detail, cacheFull?}
//   native.verifyDpopProofAsync(...the same)  // a Promise of it, checked on the thread pool
//   native.jwkThumbprint(jwkJson) -> string;  native.accessTokenHash(token) -> string
#ifndef TOKENWARDEN_BINDINGS_NODE_SRC_DPOP_H_
#define TOKENWARDEN_BINDINGS_NODE_SRC_DPOP_H_

#include <napi.h>

namespace tokenwarden::node {

// ExportDpop sets DpopReplayCache, verifyDpopProof(Async), jwkThumbprint and accessTokenHash on
// `exports`. It keeps the DpopReplayCache constructor as the environment's instance data,
// so that verifyDpopProof takes only a real cache.
void ExportDpop(Napi::Env env, Napi::Object exports);

}  // namespace tokenwarden::node

#endif  // TOKENWARDEN_BINDINGS_NODE_SRC_DPOP_H_
