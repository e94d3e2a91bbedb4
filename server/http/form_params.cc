#include "server/http/form_params.h"

#include "base/ascii.h"
#include "base/form_urlencoded.h"

namespace tokenwarden::server::http {

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
    if (!base::FormDecode(segment.substr(0, eq), name) ||
        !base::FormDecode(
            eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1), value)) {
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

bool IsFormContentType(std::optional<std::string_view> content_type) {
  if (!content_type.has_value()) {
    return false;
  }
  const std::string_view media =
      base::StripWhitespace(content_type->substr(0, content_type->find(';')));
  return base::EqualsIgnoreCase(media, "application/x-www-form-urlencoded");
}

}  // namespace tokenwarden::server::http
