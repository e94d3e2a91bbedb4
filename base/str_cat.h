// File: base/str_cat.h
// -----------------------------------------------------------------------------
// StrCat and StrAppend over std::string_view. Debian's abseil is built without
// ABSL_USES_STD_STRING_VIEW, so absl::StrCat does not take std::string_view: every message the
// core, the server and the bindings build goes through these instead. ToAbsl converts at the
// remaining absl calls.
#ifndef TOKENWARDEN_BASE_STR_CAT_H_
#define TOKENWARDEN_BASE_STR_CAT_H_

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

#include <absl/strings/string_view.h>

namespace tokenwarden::base {

// Piece is one argument of StrCat, rendered to a view (integers into its own buffer).
class Piece {
 public:
  Piece(std::string_view s) : view_(s) {}    // NOLINT(google-explicit-constructor)
  Piece(const std::string& s) : view_(s) {}  // NOLINT(google-explicit-constructor)
  Piece(const char* s) : view_(s) {}         // NOLINT(google-explicit-constructor)
  Piece(absl::string_view s)                 // NOLINT(google-explicit-constructor)
      : view_(s.data(), s.size()) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                             !std::is_same_v<T, char>,
                                         int> = 0>
  Piece(T n) {  // NOLINT(google-explicit-constructor)
    const std::to_chars_result r = std::to_chars(buf_, buf_ + sizeof(buf_), n);
    view_ = std::string_view(buf_, static_cast<size_t>(r.ptr - buf_));
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;

  std::string_view view() const { return view_; }

 private:
  char buf_[24];
  std::string_view view_;
};

// StrAppend appends each of `args` (views, strings, C strings, integers) to `*out`.
template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  ((*out += Piece(args).view()), ...);
}

// StrCat returns the concatenation of `args`, which StrAppend would append.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(&out, args...);
  return out;
}

// ToAbsl views `s` as the absl::string_view that absl's own functions take.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_STR_CAT_H_
