// File: bindings/python/src/module.cc
// -----------------------------------------------------------------------------
// tokenwarden._native: the core's Validator for Python (nanobind). The Python package
// (tokenwarden/__init__.py) subclasses Validator to accept friendlier arguments and installs
// the exception factory; everything judged here is judged by the core. The GIL is released
// around a validation that may verify a public-key signature (tens of microseconds), and
// kept for an HMAC one, which costs about what releasing and taking the GIL back does.
// DPoP proof verification is registered from dpop.cc.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cmath>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/common/validator_handle.h"
#include "core/algorithm.h"
#include "core/clock.h"
#include "core/error.h"
#include "dpop.h"
#include "error_factory.h"
#include "json_to_python.h"

namespace nb = nanobind;

namespace tokenwarden::python {
namespace {

using bindings::HandleOptions;
using bindings::Presented;
using bindings::ValidatorHandle;
using bindings::Verdict;

// TokenBytes views a str (its cached UTF-8) or bytes-like token. The view lives as long as
// `token`, which the caller holds.
std::string_view TokenBytes(nb::handle token) {
  if (PyUnicode_Check(token.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(token.ptr(), &size);
    if (data == nullptr) {
      throw nb::python_error();
    }
    return {data, static_cast<size_t>(size)};
  }
  if (PyBytes_Check(token.ptr())) {
    return {PyBytes_AS_STRING(token.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(token.ptr()))};
  }
  // Raised as a Python error (not nb::type_error): ValidateMethod, outside nanobind's
  // dispatcher, passes on python_error only.
  PyErr_SetString(PyExc_TypeError, "a token must be str or bytes");
  throw nb::python_error();
}

// NowOf reads an optional Unix time (int or float), fraction kept: PyJWT compares exp with
// the fractional time.time(), so a token whose exp passed 0.85 s ago is expired.
double NowOf(nb::handle now) {
  if (now.is_none()) {
    return UnixNowFractional();
  }
  const double value = PyFloat_AsDouble(now.ptr());
  if (value == -1.0 && PyErr_Occurred()) {
    throw nb::python_error();
  }
  if (!std::isfinite(value)) {
    PyErr_SetString(PyExc_ValueError, "now must be a finite number of seconds");
    throw nb::python_error();
  }
  return value;
}

// CheckKeys loads key text as a Validator would, raising ValueError with the core's reason when
// it holds no usable key (PyJWK refuses such a JWK at construction, as PyJWT does).
void CheckKeys(const std::string& keys) {
  absl::StatusOr<std::shared_ptr<const KeySet>> loaded = bindings::LoadKeys(keys);
  if (!loaded.ok()) {
    throw nb::value_error(std::string(loaded.status().message()).c_str());
  }
}

// NameTuple is the tuple of name_of(i) for i in [first, end): static names of the core.
template <typename NameOf>
nb::tuple NameTuple(int first, int end, NameOf name_of) {
  nb::list names;
  for (int i = first; i < end; ++i) {
    const std::string_view name = name_of(i);
    names.append(nb::str(name.data(), name.size()));
  }
  return nb::steal<nb::tuple>(PySequence_Tuple(names.ptr()));
}

// AlgorithmNames lists the `alg` names the core implements, so that the PyJWT layer can drop
// the names it does not know from an allow-list (as PyJWT ignores them) without a copy of them.
nb::tuple AlgorithmNames() {
  return NameTuple(0, kNumAlgorithms,
                   [](int i) { return AlgorithmName(static_cast<Algorithm>(i)); });
}

// ErrorCodes lists the core's stable error codes (without "ok"), in enum order, so that the
// package's tests can check that each has its exception class.
nb::tuple ErrorCodes() {
  return NameTuple(1, kNumErrors, [](int i) { return ErrorCode(static_cast<Error>(i)); });
}

nb::object Steal(PyObject* object) {
  if (object == nullptr) {
    throw nb::python_error();
  }
  return nb::steal(object);
}

// PresentedOf reads the thumbprints a call presents for a sender-constrained token (a
// verified DPoP proof's jkt, a client certificate's x5t#S256): None or a non-empty str. The
// views live as long as the str objects, which the caller holds.
Presented PresentedOf(PyObject* dpop_jkt, PyObject* certificate_thumbprint) {
  const auto read = [](PyObject* value, const char* name) -> std::string_view {
    if (value == nullptr || value == Py_None) {
      return {};
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &size) : nullptr;
    if (data == nullptr) {
      if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "%s must be a str or None", name);
      }
      throw nb::python_error();
    }
    if (size == 0) {
      PyErr_Format(PyExc_ValueError, "%s is empty: pass None when there is none", name);
      throw nb::python_error();
    }
    return {data, static_cast<size_t>(size)};
  };
  return {read(dpop_jkt, "dpop_jkt"), read(certificate_thumbprint, "certificate_thumbprint")};
}

class Validator {
 public:
  Validator(std::string keys, std::optional<std::string> issuer, std::vector<std::string> audiences,
            std::vector<std::string> algorithms, double leeway, std::optional<std::string> typ,
            std::vector<std::string> required_claims, std::vector<std::string> scopes,
            bool require_exp, bool check_exp, bool check_nbf, bool check_iat, size_t cache_entries,
            size_t max_token_bytes, bool check_binding, bool dpop_required) {
    HandleOptions o;
    o.keys = std::move(keys);
    o.issuer = std::move(issuer);
    o.audiences = std::move(audiences);
    o.algorithms = std::move(algorithms);
    o.leeway_seconds = leeway;
    o.type = std::move(typ);
    o.required_claims = std::move(required_claims);
    o.required_scopes = std::move(scopes);
    o.require_exp = require_exp;
    o.check_exp = check_exp;
    o.check_nbf = check_nbf;
    o.check_iat = check_iat;
    o.cache_entries = cache_entries;
    o.max_token_bytes = max_token_bytes;
    o.check_binding = check_binding;
    o.dpop_required = dpop_required;
    absl::StatusOr<std::unique_ptr<ValidatorHandle>> handle = ValidatorHandle::Create(o);
    if (!handle.ok()) {
      throw nb::value_error(std::string(handle.status().message()).c_str());
    }
    handle_ = *std::move(handle);
  }

  // Validate and ValidateComplete convert the verdict where the core left it (the call's
  // scratch), with the GIL held again.
  nb::object Validate(nb::handle token, nb::handle now, const Presented& presented) const {
    ValidatorHandle::Call call(*handle_);
    const Verdict out = Run(call, token, now, presented);
    if (out.error != Error::kOk) {
      RaiseFor(out);
    }
    return Steal(MembersToPython(call.result().token.claims.members));
  }

  nb::object ValidateComplete(nb::handle token, nb::handle now, nb::handle dpop_jkt,
                              nb::handle certificate_thumbprint) const {
    ValidatorHandle::Call call(*handle_);
    const Verdict out =
        Run(call, token, now, PresentedOf(dpop_jkt.ptr(), certificate_thumbprint.ptr()));
    if (out.error != Error::kOk) {
      RaiseFor(out);
    }
    nb::object header = Steal(JsonToPython(out.header_json));
    nb::object payload = Steal(MembersToPython(call.result().token.claims.members));
    return nb::make_tuple(header, payload);
  }

  nb::list ValidateMany(nb::handle tokens, nb::handle now_arg) const {
    const double now = NowOf(now_arg);
    nb::list items = nb::steal<nb::list>(PySequence_List(tokens.ptr()));
    if (!items.is_valid()) {
      throw nb::python_error();
    }
    std::vector<std::string_view> views;
    views.reserve(items.size());
    for (nb::handle item : items) {
      views.push_back(TokenBytes(item));  // `items` keeps every token alive
    }
    std::vector<ValidatorHandle::Outcome> outcomes(views.size());
    {
      nb::gil_scoped_release release;
      for (size_t i = 0; i < views.size(); ++i) {
        handle_->Validate(views[i], now, outcomes[i]);
      }
    }
    nb::list results;
    for (const ValidatorHandle::Outcome& out : outcomes) {
      results.append(Steal(out.error == Error::kOk ? JsonToPython(out.payload_json)
                                                   : MakeError(out.verdict())));
    }
    return results;
  }

  void UpdateKeys(const std::string& keys) {
    absl::Status status;
    {
      nb::gil_scoped_release release;
      status = handle_->UpdateKeys(keys);
    }
    if (!status.ok()) {
      throw nb::value_error(std::string(status.message()).c_str());
    }
  }

  bool Revoke(nb::handle token, nb::handle now_arg) {
    const std::string_view bytes = TokenBytes(token);
    const int64_t now = WholeSeconds(NowOf(now_arg));  // the denylist counts whole seconds
    absl::StatusOr<bool> revoked;
    {
      nb::gil_scoped_release release;
      revoked = handle_->Revoke(bytes, now);
    }
    if (!revoked.ok()) {
      throw std::runtime_error(std::string(revoked.status().message()));
    }
    return *revoked;
  }

 private:
  // Run validates `token` in `call`; the verdict's views live as long as `call` and `token`.
  // `presented` views strings the caller holds.
  Verdict Run(ValidatorHandle::Call& call, nb::handle token, nb::handle now_arg,
              const Presented& presented) const {
    const std::string_view bytes = TokenBytes(token);
    const double now = NowOf(now_arg);
    if (handle_->MayVerifyPublicKey()) {
      nb::gil_scoped_release release;
      call.Run(bytes, now, presented);
    } else {
      call.Run(bytes, now, presented);
    }
    return call.verdict();
  }

  std::unique_ptr<ValidatorHandle> handle_;
};

// ValidateArgs are validate's arguments: (token, now=None, *, dpop_jkt=None,
// certificate_thumbprint=None). Borrowed references; nullptr for an absent keyword.
struct ValidateArgs {
  PyObject* token = nullptr;
  PyObject* now = Py_None;
  PyObject* dpop_jkt = nullptr;
  PyObject* certificate_thumbprint = nullptr;
};

// ReadValidateArgs reads them, positional or by keyword, as nanobind's dispatcher would; false
// with a TypeError set when they do not fit.
bool ReadValidateArgs(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                      ValidateArgs& out) {
  if (nargs > 2) {
    PyErr_SetString(PyExc_TypeError,
                    "validate() takes at most 2 positional arguments (token, now)");
    return false;
  }
  out.token = nargs > 0 ? args[0] : nullptr;
  out.now = nargs > 1 ? args[1] : Py_None;
  const Py_ssize_t num_keywords = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < num_keywords; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    if (nargs < 1 && out.token == nullptr && PyUnicode_CompareWithASCIIString(name, "token") == 0) {
      out.token = value;
    } else if (nargs < 2 && PyUnicode_CompareWithASCIIString(name, "now") == 0) {
      out.now = value;
    } else if (out.dpop_jkt == nullptr && PyUnicode_CompareWithASCIIString(name, "dpop_jkt") == 0) {
      out.dpop_jkt = value;
    } else if (out.certificate_thumbprint == nullptr &&
               PyUnicode_CompareWithASCIIString(name, "certificate_thumbprint") == 0) {
      out.certificate_thumbprint = value;
    } else {
      PyErr_Format(PyExc_TypeError, "validate() got an unexpected or repeated argument %R", name);
      return false;
    }
  }
  if (out.token == nullptr) {
    PyErr_SetString(PyExc_TypeError, "validate() missing its argument: token");
    return false;
  }
  return true;
}

// ValidateMethod is Validator.validate as a plain METH_FASTCALL method. nanobind's general
// dispatcher (keyword matching, the default of `now`, the cast of self) cost about 5% of an
// HS256 validation, on the binding's hottest call; CPython's method descriptor checks that
// `self` is a Validator before this runs.
PyObject* ValidateMethod(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                         PyObject* kwnames) noexcept {
  ValidateArgs a;
  if (!ReadValidateArgs(args, nargs, kwnames, a)) {
    return nullptr;
  }
  if (!nb::inst_ready(self)) {  // a subclass whose __init__ never reached ours
    PyErr_SetString(PyExc_TypeError, "tokenwarden: this Validator was not initialized");
    return nullptr;
  }
  try {
    return nb::inst_ptr<Validator>(self)
        ->Validate(a.token, a.now, PresentedOf(a.dpop_jkt, a.certificate_thumbprint))
        .release()
        .ptr();
  } catch (nb::python_error& e) {
    e.restore();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

constexpr char kValidateDoc[] =
    "validate($self, token, now=None, *, dpop_jkt=None, certificate_thumbprint=None)\n--\n\n"
    "Validate a compact JWS and return its claims as a dict; raises an InvalidTokenError "
    "subclass carrying the stable error code. dpop_jkt (a verified DPoP proof's jkt) and "
    "certificate_thumbprint (the client certificate's x5t#S256) are what the request "
    "presented for a sender-constrained token (cnf).";

// g_validate_method must outlive the type it is installed on: static storage.
PyMethodDef g_validate_method = {
    "validate", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&ValidateMethod)),
    METH_FASTCALL | METH_KEYWORDS, kValidateDoc};

void InstallValidate(nb::handle cls) {
  PyObject* descr =
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &g_validate_method);
  if (descr == nullptr || PyObject_SetAttrString(cls.ptr(), "validate", descr) != 0) {
    Py_XDECREF(descr);
    throw nb::python_error();
  }
  Py_DECREF(descr);
}

}  // namespace
}  // namespace tokenwarden::python

NB_MODULE(_native, m) {
  using tokenwarden::python::Validator;
  m.doc() = "tokenwarden's C++ core (use the tokenwarden package, not this module)";
  m.def("_set_error_factory", &tokenwarden::python::SetErrorFactory, nb::arg("factory"));
  m.def("_check_keys", &tokenwarden::python::CheckKeys, nb::arg("keys"));
  m.attr("ALGORITHMS") = tokenwarden::python::AlgorithmNames();
  m.attr("ERROR_CODES") = tokenwarden::python::ErrorCodes();
  tokenwarden::python::RegisterDpop(m);
  nb::class_<Validator> cls(m, "Validator");
  cls.def(nb::init<std::string, std::optional<std::string>, std::vector<std::string>,
                   std::vector<std::string>, double, std::optional<std::string>,
                   std::vector<std::string>, std::vector<std::string>, bool, bool, bool, bool,
                   size_t, size_t, bool, bool>(),
          nb::arg("keys"), nb::arg("issuer").none(), nb::arg("audiences"), nb::arg("algorithms"),
          nb::arg("leeway"), nb::arg("typ").none(), nb::arg("required_claims"), nb::arg("scopes"),
          nb::arg("require_exp"), nb::arg("check_exp"), nb::arg("check_nbf"), nb::arg("check_iat"),
          nb::arg("cache_entries"), nb::arg("max_token_bytes"), nb::arg("check_binding"),
          nb::arg("dpop_required"))
      .def("validate_complete", &Validator::ValidateComplete, nb::arg("token"),
           nb::arg("now") = nb::none(), nb::kw_only(), nb::arg("dpop_jkt") = nb::none(),
           nb::arg("certificate_thumbprint") = nb::none(),
           "Like validate, but return (header, payload).")
      .def("validate_many", &Validator::ValidateMany, nb::arg("tokens"),
           nb::arg("now") = nb::none(),
           "Validate each token (the GIL released once for all); return a list holding "
           "each token's claims or its InvalidTokenError (not raised).")
      .def("_update_keys", &Validator::UpdateKeys, nb::arg("keys"))
      .def("revoke", &Validator::Revoke, nb::arg("token"), nb::arg("now") = nb::none(),
           "Deny a token whose signature verifies until its exp; False when it does not "
           "verify (nothing to revoke).");
  tokenwarden::python::InstallValidate(cls);  // validate(token, now=None), see ValidateMethod
}
