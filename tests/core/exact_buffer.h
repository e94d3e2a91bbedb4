// File: tests/core/exact_buffer.h
// -----------------------------------------------------------------------------
// ExactBuffer is a heap block exactly as long as its text, so AddressSanitizer reports any
// read past the end (a std::string may have spare capacity that hides one). For tests of
// readers that must stay within the bytes they are given.
#ifndef TOKENWARDEN_TESTS_CORE_EXACT_BUFFER_H_
#define TOKENWARDEN_TESTS_CORE_EXACT_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace tokenwarden {

class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text)
      : size_(text.size()), data_(std::make_unique<char[]>(text.size())) {
    std::memcpy(data_.get(), text.data(), text.size());
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }
  char* data() { return data_.get(); }
  const char* end() const { return data_.get() + size_; }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

}  // namespace tokenwarden

#endif  // TOKENWARDEN_TESTS_CORE_EXACT_BUFFER_H_
