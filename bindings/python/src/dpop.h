// File: bindings/python/src/dpop.h
// -----------------------------------------------------------------------------
// DPoP proof verification (RFC 9449) for Python, over bindings/common/dpop_check.h: the
// native halves of tokenwarden.verify_dpop_proof, DpopReplayCache, jwk_thumbprint and
// access_token_hash (tokenwarden/_dpop.py checks and converts their arguments).
#ifndef TOKENWARDEN_BINDINGS_PYTHON_DPOP_H_
#define TOKENWARDEN_BINDINGS_PYTHON_DPOP_H_

#include <nanobind/nanobind.h>

namespace tokenwarden::python {

// RegisterDpop adds DpopReplayCache, verify_dpop_proof, jwk_thumbprint and
// access_token_hash to the module `m`.
void RegisterDpop(nanobind::module_& m);

}  // namespace tokenwarden::python

#endif  // TOKENWARDEN_BINDINGS_PYTHON_DPOP_H_
