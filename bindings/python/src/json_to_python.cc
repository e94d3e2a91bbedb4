#include "json_to_python.h"

#include <simdjson.h>

#include "py_str.h"

namespace tokenwarden::python {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// JsonModuleLoads is the slow, exact path: json.loads(text).
PyObject* JsonModuleLoads(std::string_view json) {
  PyObject* module = PyImport_ImportModule("json");
  if (module == nullptr) {
    return nullptr;
  }
  PyObject* text = PyUnicode_FromStringAndSize(json.data(), static_cast<Py_ssize_t>(json.size()));
  PyObject* out = text == nullptr ? nullptr : PyObject_CallMethod(module, "loads", "O", text);
  Py_XDECREF(text);
  Py_DECREF(module);
  return out;
}

PyObject* Convert(element e) {
  switch (e.type()) {
    case element_type::OBJECT: {
      PyObject* dict = PyDict_New();
      if (dict == nullptr) {
        return nullptr;
      }
      // A named object: ranging over get_object().value_unsafe() would iterate a member of a
      // temporary that is already gone.
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto field : object) {
        PyObject* key = MemberName(field.key);
        PyObject* value = key == nullptr ? nullptr : Convert(field.value);
        if (value == nullptr || PyDict_SetItem(dict, key, value) != 0) {
          Py_XDECREF(key);
          Py_XDECREF(value);
          Py_DECREF(dict);
          return nullptr;
        }
        Py_DECREF(key);
        Py_DECREF(value);
      }
      return dict;
    }
    case element_type::ARRAY: {
      const simdjson::dom::array array = e.get_array().value_unsafe();
      PyObject* list = PyList_New(static_cast<Py_ssize_t>(array.size()));
      if (list == nullptr) {
        return nullptr;
      }
      Py_ssize_t i = 0;
      for (element item : array) {
        PyObject* value = Convert(item);
        if (value == nullptr) {
          Py_DECREF(list);
          return nullptr;
        }
        PyList_SET_ITEM(list, i++, value);
      }
      return list;
    }
    case element_type::STRING: {
      return NewStr(e.get_string().value_unsafe());
    }
    case element_type::INT64:
      return PyLong_FromLongLong(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return PyLong_FromUnsignedLongLong(e.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return PyFloat_FromDouble(e.get_double().value_unsafe());
    case element_type::BOOL:
      return PyBool_FromLong(e.get_bool().value_unsafe() ? 1 : 0);
    case element_type::NULL_VALUE:
      Py_RETURN_NONE;
  }
  PyErr_SetString(PyExc_ValueError, "cannot decode token JSON: unknown element");
  return nullptr;
}

}  // namespace

PyObject* JsonToPython(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  element doc;
  const simdjson::error_code error = parser.parse(json.data(), json.size()).get(doc);
  if (error != simdjson::SUCCESS) {
    return JsonModuleLoads(json);  // the json module's own error says what is wrong
  }
  return Convert(doc);
}

}  // namespace tokenwarden::python
