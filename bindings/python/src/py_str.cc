#include "py_str.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace tokenwarden::python {
namespace {

constexpr size_t kMaxCachedNameBytes = 64;
// 512 slots, direct-mapped: a payload has tens of members and an issuer a few dozen names,
// so collisions between names in use are rare, and a collision only costs a new str.
constexpr size_t kNameSlots = 512;
static_assert(kNameSlots == size_t{1} << 9, "SlotOf returns 9 bits");

bool IsAscii(std::string_view s) {
  unsigned char any = 0;
  for (const char c : s) {
    any |= static_cast<unsigned char>(c);
  }
  return any < 0x80;
}

PyObject* NewAscii(std::string_view ascii) {
  PyObject* str = PyUnicode_New(static_cast<Py_ssize_t>(ascii.size()), 127);
  if (str != nullptr) {
    std::memcpy(PyUnicode_1BYTE_DATA(str), ascii.data(), ascii.size());
  }
  return str;
}

// SlotOf spreads names over the cache from their length and first and last bytes (up to 8
// of each), mixed by one multiplication: a few loads, not a loop over the bytes. Names that
// agree on all of those share a slot, which costs a new str, never a wrong one (MemberName
// compares the bytes).
size_t SlotOf(std::string_view name) {
  const size_t n = name.size();
  const char* p = name.data();
  uint64_t head = 0;
  uint64_t tail = 0;
  if (n >= 8) {
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t h4 = 0;
    uint32_t t4 = 0;
    std::memcpy(&h4, p, 4);
    std::memcpy(&t4, p + n - 4, 4);
    head = h4;
    tail = t4;
  } else if (n > 0) {
    const auto byte = [p](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
    head = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
  }
  const uint64_t mixed = (head ^ (tail * 0x9E3779B97F4A7C15ULL) ^ n) * 0xBF58476D1CE4E5B9ULL;
  return static_cast<size_t>(mixed >> 55);  // the top 9 bits: one of 512 slots
}

// g_names holds one strong reference per filled slot, released only when the slot is reused.
// Guarded by the GIL.
std::array<PyObject*, kNameSlots> g_names{};

}  // namespace

PyObject* NewStr(std::string_view utf8) {
  if (IsAscii(utf8)) {
    return NewAscii(utf8);
  }
  return PyUnicode_DecodeUTF8(utf8.data(), static_cast<Py_ssize_t>(utf8.size()), "strict");
}

PyObject* MemberName(std::string_view utf8) {
  if (utf8.size() > kMaxCachedNameBytes || !IsAscii(utf8)) {
    return NewStr(utf8);
  }
  PyObject*& slot = g_names[SlotOf(utf8)];
  if (slot != nullptr && static_cast<size_t>(PyUnicode_GET_LENGTH(slot)) == utf8.size() &&
      std::memcmp(PyUnicode_1BYTE_DATA(slot), utf8.data(), utf8.size()) == 0) {
    Py_INCREF(slot);
    return slot;
  }
  PyObject* name = NewAscii(utf8);
  if (name == nullptr || PyObject_Hash(name) == -1) {
    Py_XDECREF(name);
    return nullptr;
  }
  Py_XDECREF(slot);
  Py_INCREF(name);  // the slot's reference
  slot = name;
  return name;
}

}  // namespace tokenwarden::python
