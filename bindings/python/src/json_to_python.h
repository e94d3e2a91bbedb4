// File: bindings/python/src/json_to_python.h
// -----------------------------------------------------------------------------
// JsonToPython turns a token's header or payload JSON (already checked by the core) into
// Python objects without a round trip through the json module: simdjson's DOM straight into
// dicts, lists, str, int, float, bool and None. MembersToPython makes the payload's dict from
// the members the core already read, so the payload is not parsed a second time.
#ifndef TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_
#define TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <span>
#include <string_view>

#include "core/claims.h"

namespace tokenwarden::python {

// JsonToPython returns a new reference, or nullptr with a Python exception set. Integers
// are exact (beyond 64 bits through the json module, which simdjson leaves them to); others
// are doubles, rounded as the json module rounds them.
PyObject* JsonToPython(std::string_view json);

// MembersToPython returns the dict of a claims set's `members` (Claims::members: each name
// unescaped, each value its exact JSON text, checked by the core), equal to what json.loads
// makes of the payload, types and member order included. Plain strings, non-negative
// integers, literals and arrays of plain strings are converted directly; any other value goes
// through JsonToPython. A new reference, or nullptr with a Python exception set.
PyObject* MembersToPython(std::span<const ClaimMember> members);

}  // namespace tokenwarden::python

#endif  // TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_
