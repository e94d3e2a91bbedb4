#include "json_to_python.h"

#include <cstdint>

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

// AddMember sets `dict[name] = value`, taking over the reference to `value` (nullptr: a
// conversion that failed with an exception set). false with an exception set on failure.
bool AddMember(PyObject* dict, std::string_view name, PyObject* value) {
  if (value == nullptr) {
    return false;
  }
  PyObject* key = MemberName(name);
  const bool ok = key != nullptr && PyDict_SetItem(dict, key, value) == 0;
  Py_XDECREF(key);
  Py_DECREF(value);
  return ok;
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
        if (!AddMember(dict, field.key, Convert(field.value))) {
          Py_DECREF(dict);
          return nullptr;
        }
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

// PlainString: `raw`, a checked JSON value, is a string without escapes (no backslash can
// then be anywhere in it); its contents go to `out`.
bool PlainString(std::string_view raw, std::string_view& out) {
  if (raw.size() < 2 || raw.front() != '"' || raw.find('\\') != std::string_view::npos) {
    return false;
  }
  out = raw.substr(1, raw.size() - 2);
  return true;
}

// SmallNatural: `raw`, a checked JSON number, is a non-negative integer of at most 18 digits
// (so it fits an int64); its value goes to `out`. "-0", fractions and exponents are not.
bool SmallNatural(std::string_view raw, long long& out) {
  if (raw.empty() || raw.size() > 18) {
    return false;
  }
  uint64_t value = 0;
  for (const char c : raw) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  out = static_cast<long long>(value);
  return true;
}

// IsSpace is JSON's whitespace.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// PlainStringList: `raw`, a checked JSON array, holds only strings, none with an escape. Then
// its quotes pair up in order (no string can hold a quote), and between the pairs there is
// only '[', ',', ']' and whitespace. Returns false (no exception) when it is not such an
// array; true with `*out` the list, or nullptr and an exception set.
bool PlainStringList(std::string_view raw, PyObject** out) {
  if (raw.find('\\') != std::string_view::npos) {
    return false;
  }
  Py_ssize_t count = 0;
  size_t i = 1;  // after '['
  while (true) {
    while (i < raw.size() && (IsSpace(raw[i]) || raw[i] == ',')) {
      ++i;
    }
    if (i >= raw.size() || raw[i] == ']') {
      break;
    }
    if (raw[i] != '"') {
      return false;  // a number, literal, object or array among the items
    }
    const size_t close = raw.find('"', i + 1);
    if (close == std::string_view::npos) {
      return false;
    }
    ++count;
    i = close + 1;
  }
  PyObject* list = PyList_New(count);
  if (list == nullptr) {
    *out = nullptr;
    return true;
  }
  Py_ssize_t n = 0;
  for (size_t open = raw.find('"'); open != std::string_view::npos;) {
    const size_t close = raw.find('"', open + 1);
    PyObject* item = NewStr(raw.substr(open + 1, close - open - 1));
    if (item == nullptr) {
      Py_DECREF(list);
      *out = nullptr;
      return true;
    }
    PyList_SET_ITEM(list, n++, item);
    open = raw.find('"', close + 1);
  }
  *out = list;
  return true;
}

// ValueToPython converts one member's value, a checked JSON value.
PyObject* ValueToPython(std::string_view raw) {
  std::string_view text;
  long long number = 0;
  if (PlainString(raw, text)) {
    return NewStr(text);
  }
  if (SmallNatural(raw, number)) {
    return PyLong_FromLongLong(number);
  }
  if (raw == "true" || raw == "false") {
    return PyBool_FromLong(raw == "true" ? 1 : 0);
  }
  if (raw == "null") {
    Py_RETURN_NONE;
  }
  PyObject* list = nullptr;
  if (!raw.empty() && raw.front() == '[' && PlainStringList(raw, &list)) {
    return list;
  }
  return JsonToPython(raw);
}

}  // namespace

PyObject* MembersToPython(std::span<const ClaimMember> members) {
  PyObject* dict = PyDict_New();
  if (dict == nullptr) {
    return nullptr;
  }
  for (const ClaimMember& m : members) {
    if (!AddMember(dict, m.name, ValueToPython(m.value))) {
      Py_DECREF(dict);
      return nullptr;
    }
  }
  return dict;
}

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
