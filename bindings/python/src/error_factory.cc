#include "error_factory.h"

#include <string_view>

#include "core/error.h"
#include "json_to_python.h"

namespace nb = nanobind;

namespace tokenwarden::python {
namespace {

// The callable that builds an exception from (code, message, detail, claim, payload); set once
// by the package at import. Kept for the life of the process (never released at shutdown).
PyObject* g_error_factory = nullptr;

}  // namespace

void SetErrorFactory(nb::object factory) {
  if (!PyCallable_Check(factory.ptr())) {
    throw nb::type_error("the error factory must be callable");
  }
  Py_XDECREF(g_error_factory);
  g_error_factory = factory.release().ptr();
}

PyObject* MakeError(const bindings::Verdict& out) {
  if (g_error_factory == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "tokenwarden: the error factory is not installed");
    return nullptr;
  }
  PyObject* payload = nullptr;
  if (!out.payload_json.empty()) {
    payload = JsonToPython(out.payload_json);
    if (payload == nullptr) {
      // The payload is only an attachment: a claims set Python cannot represent must not
      // replace the rejection with an unrelated JSONDecodeError or UnicodeDecodeError.
      PyErr_Clear();
    }
  }
  if (payload == nullptr) {
    Py_INCREF(Py_None);  // (Py_NewRef is 3.10+)
    payload = Py_None;
  }
  const std::string_view code = ErrorCode(out.error);
  const std::string_view summary = ErrorSummary(out.error);
  PyObject* exc = PyObject_CallFunction(
      g_error_factory, "s#s#s#s#O", code.data(), static_cast<Py_ssize_t>(code.size()),
      summary.data(), static_cast<Py_ssize_t>(summary.size()), out.detail.data(),
      static_cast<Py_ssize_t>(out.detail.size()), out.missing_claim.data(),
      static_cast<Py_ssize_t>(out.missing_claim.size()), payload);
  Py_DECREF(payload);
  return exc;
}

void RaiseFor(const bindings::Verdict& out) {
  PyObject* exc = MakeError(out);
  if (exc != nullptr) {
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
    Py_DECREF(exc);
  }
  throw nb::python_error();
}

}  // namespace tokenwarden::python
