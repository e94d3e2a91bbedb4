#include "core/compact.h"

namespace tokenwarden {

std::optional<CompactParts> SplitCompact(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  CompactParts parts;
  parts.header = token.substr(0, first);
  parts.payload = token.substr(first + 1, second - first - 1);
  parts.signature = token.substr(second + 1);
  parts.signing_input = token.substr(0, second);
  return parts;
}

}  // namespace tokenwarden
