// The route_scopes path normaliser (server/serve/request_path.h) on any URI a gateway could
// forward in X-Original-URI / X-Forwarded-Uri. Besides memory errors, it checks what the
// route rules rely on: a normalised path starts with '/', has no empty, "." or ".." segment,
// and holds no control character or backslash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "server/serve/request_path.h"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

void CheckNormal(std::string_view path) {
  Check(!path.empty() && path.front() == '/');
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    Check(segment != "." && segment != "..");
    // An empty segment only as the last one (a trailing '/').
    Check(!segment.empty() || end == path.size());
    start = end + 1;
  }
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    Check(u >= 0x20 && u != 0x7f && c != '\\');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view uri(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> path = tokenwarden::server::NormalizeRequestPath(uri);
  if (path.has_value()) {
    CheckNormal(*path);
  }
  return 0;
}
