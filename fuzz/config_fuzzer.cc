// The serve configuration reader on arbitrary bytes. Relative file names resolve under a
// directory that does not exist, so the reader's own checks are what runs, not file I/O.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tokenwarden::server::ParseConfig(text, "/nonexistent-tokenwarden-fuzz");
  return 0;
}
