#include "server/serve/request_path.h"

#include <vector>

#include "base/hex.h"

namespace tokenwarden::server {
namespace {

// Refused decoded or literal: separators some applications honour and others do not, and
// bytes no path should hold.
bool Refused(unsigned char c) { return c < 0x20 || c == 0x7f || c == '\\'; }

// Decode percent-decodes one segment (no '/' in it) into `out`; false when refused.
bool Decode(std::string_view raw, std::string& out) {
  out.clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '%') {
      const int hi = i + 2 < raw.size() ? base::HexDigitValue(raw[i + 1]) : -1;
      const int lo = hi >= 0 ? base::HexDigitValue(raw[i + 2]) : -1;
      if (lo < 0) {
        return false;
      }
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
      if (c == '/') {
        return false;
      }
    }
    if (Refused(c)) {
      return false;
    }
    out.push_back(static_cast<char>(c));
  }
  return true;
}

}  // namespace

std::optional<std::string> NormalizeRequestPath(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));
  if (uri.empty() || uri.front() != '/') {
    return std::nullopt;
  }
  std::vector<std::string> segments;
  std::string segment;
  bool trailing_slash = false;  // the last raw segment was empty, "." or ".."
  std::string_view rest = uri.substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    if (!Decode(rest.substr(0, slash), segment)) {
      return std::nullopt;
    }
    trailing_slash = segment.empty() || segment == "." || segment == "..";
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!trailing_slash) {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  std::string out;
  for (const std::string& s : segments) {
    out.push_back('/');
    out += s;
  }
  if (out.empty() || trailing_slash) {
    out.push_back('/');
  }
  return out;
}

}  // namespace tokenwarden::server
