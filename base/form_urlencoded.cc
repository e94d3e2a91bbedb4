#include "base/form_urlencoded.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/hex.h"

namespace tokenwarden::base {

std::string FormEncode(std::string_view value) {
  std::string out;
  for (char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      AppendHexByte(static_cast<uint8_t>(c), out, HexCase::kUpper);
    }
  }
  return out;
}

bool FormDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  // Tokens rarely need escapes: copy the runs between '%' and '+' in bulk (memchr is
  // vectorized), decoding only the specials.
  size_t i = 0;
  while (i < in.size()) {
    const char* rest = in.data() + i;
    const size_t left = in.size() - i;
    const void* pct = std::memchr(rest, '%', left);
    const void* plus = std::memchr(rest, '+', left);
    const char* next = static_cast<const char*>(
        pct == nullptr ? plus : (plus == nullptr ? pct : std::min(pct, plus)));
    const size_t run = next == nullptr ? left : static_cast<size_t>(next - rest);
    out.append(rest, run);
    i += run;
    if (i == in.size()) {
      break;
    }
    if (in[i] == '+') {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (in.size() - i < 3) {
      return false;
    }
    const int hi = HexDigitValue(in[i + 1]);
    const int lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 3;
  }
  return true;
}

}  // namespace tokenwarden::base
