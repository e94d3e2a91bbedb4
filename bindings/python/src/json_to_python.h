// File: bindings/python/src/json_to_python.h
// -----------------------------------------------------------------------------
// JsonToPython turns a token's header or payload JSON (already checked by the core) into
// Python objects without a round trip through the json module: simdjson's DOM straight into
// dicts, lists, str, int, float, bool and None.
#ifndef TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_
#define TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string_view>

namespace tokenwarden::python {

// JsonToPython returns a new reference, or nullptr with a Python exception set. Integers
// are exact (the core refuses numbers beyond 64 bits, I-JSON's range); others are doubles,
// rounded as the json module rounds them.
PyObject* JsonToPython(std::string_view json);

}  // namespace tokenwarden::python

#endif  // TOKENWARDEN_BINDINGS_PYTHON_JSON_TO_PYTHON_H_
