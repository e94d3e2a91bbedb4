// File: bindings/python/src/py_str.h
// -----------------------------------------------------------------------------
// Making Python str objects from the UTF-8 the core has checked, as the payload conversion
// needs them: NewStr for values, and MemberName for object member names, which repeat from
// token to token ("iss", "sub", "exp", ...) and are therefore made once and shared.
#ifndef TOKENWARDEN_BINDINGS_PYTHON_PY_STR_H_
#define TOKENWARDEN_BINDINGS_PYTHON_PY_STR_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string_view>

namespace tokenwarden::python {

// NewStr returns a new str holding `utf8`, or nullptr with an exception set (UnicodeDecodeError
// for bytes that are not strict UTF-8, as PyUnicode_FromStringAndSize raises). ASCII, the
// common case, is copied without running the UTF-8 decoder.
PyObject* NewStr(std::string_view utf8);

// MemberName returns a new reference to a str equal to `utf8`, from a process-wide cache of
// recently seen ASCII names up to 64 bytes (other names are made with NewStr), or nullptr with
// an exception set. The cached str keeps its hash, so a dict insert does not compute it again.
// Sharing is invisible to Python code: str objects are immutable, and json.loads shares
// equal member names too. Call it with the GIL held: the GIL is what guards the cache (the
// module does not declare itself free-threading safe, so a free-threaded interpreter runs
// it with the GIL enabled). Cached names are never released: the cache is bounded.
PyObject* MemberName(std::string_view utf8);

}  // namespace tokenwarden::python

#endif  // TOKENWARDEN_BINDINGS_PYTHON_PY_STR_H_
