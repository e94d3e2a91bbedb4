// File: bindings/python/src/error_factory.h
// -----------------------------------------------------------------------------
// The exceptions the module raises for a rejection, built by the package's factory
// (tokenwarden/_errors.py, installed at import): one class per stable error code of the
// core, for a token's verdict and a DPoP proof's alike.
#ifndef TOKENWARDEN_BINDINGS_PYTHON_ERROR_FACTORY_H_
#define TOKENWARDEN_BINDINGS_PYTHON_ERROR_FACTORY_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <nanobind/nanobind.h>

#include "bindings/common/validator_handle.h"

namespace tokenwarden::python {

// SetErrorFactory installs the callable factory(code, message, detail, claim, payload); it
// is kept for the life of the process.
void SetErrorFactory(nanobind::object factory);

// MakeError returns a new exception instance for a failed verdict (or nullptr with an error
// set when even that fails): payload is the claims when the signature verified and a claim
// check failed, else None. Call it with the GIL held.
PyObject* MakeError(const bindings::Verdict& out);

// RaiseFor sets the exception of `out` and throws nanobind::python_error.
[[noreturn]] void RaiseFor(const bindings::Verdict& out);

}  // namespace tokenwarden::python

#endif  // TOKENWARDEN_BINDINGS_PYTHON_ERROR_FACTORY_H_
