#include "server/http/form_urlencoded.h"

#include <algorithm>
#include <cstring>

#include "base/hex.h"

namespace tokenwarden::server::http {

bool FormDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  // Tokens rarely need escapes: copy the runs between '%' and '+' in bulk (memchr is
  // vectorized), decoding only the specials.
  size_t i = 0;
  while (i < in.size()) {
    const char* base = in.data() + i;
    const size_t left = in.size() - i;
    const void* pct = std::memchr(base, '%', left);
    const void* plus = std::memchr(base, '+', left);
    const char* next = static_cast<const char*>(
        pct == nullptr ? plus : (plus == nullptr ? pct : std::min(pct, plus)));
    const size_t run = next == nullptr ? left : static_cast<size_t>(next - base);
    out.append(base, run);
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
    const int hi = base::HexDigitValue(in[i + 1]);
    const int lo = base::HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 3;
  }
  return true;
}

FormParams::Status FormParams::Parse(std::string_view body, size_t max_params) {
  count_ = 0;
  repeated_ = {};
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view segment = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (segment.empty()) {
      continue;
    }
    if (count_ == max_params) {
      return Status::kTooMany;
    }
    if (params_.size() == count_) {
      params_.emplace_back();
    }
    auto& [name, value] = params_[count_];
    const size_t eq = segment.find('=');
    if (!FormDecode(segment.substr(0, eq), name) ||
        !FormDecode(eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1),
                    value)) {
      return Status::kBadEncoding;
    }
    for (size_t i = 0; i < count_; ++i) {
      if (params_[i].first == name) {
        repeated_ = params_[i].first;
        return Status::kRepeated;
      }
    }
    ++count_;
  }
  return Status::kOk;
}

std::optional<std::string_view> FormParams::Get(std::string_view name) const {
  for (size_t i = 0; i < count_; ++i) {
    if (params_[i].first == name) {
      return params_[i].second;
    }
  }
  return std::nullopt;
}

}  // namespace tokenwarden::server::http
