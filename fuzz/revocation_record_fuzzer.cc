// The revocation record (server/revocation/record.h): one line of the durable log, and the
// message instances exchange through Redis (one token's, or an attribute revocation's with its
// issue time). Anything it accepts must be the one canonical
// spelling: written back, the record is byte for byte the line that was read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/denylist.h"
#include "server/revocation/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  tokenwarden::server::revocation::Revocation revocation;
  if (!tokenwarden::server::revocation::ParseRecord(line, revocation)) {
    return 0;
  }
  std::string written;
  tokenwarden::server::revocation::AppendRecord(revocation, written);
  if (written.empty() || written.back() != '\n' ||
      std::string_view(written).substr(0, written.size() - 1) != line) {
    std::abort();
  }
  return 0;
}
