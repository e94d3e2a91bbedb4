#include "server/serve/original_request.h"

#include <initializer_list>
#include <utility>

#include "base/str_cat.h"
#include "server/serve/request_path.h"

namespace tokenwarden::server {

namespace {

// Agree folds one source of a value into `value`: two sources that disagree make the
// request ambiguous.
template <typename T>
void Agree(std::optional<T> source, std::optional<T>& value, bool& ambiguous) {
  if (!source.has_value()) {
    return;
  }
  if (value.has_value() && *value != *source) {
    ambiguous = true;
  }
  value = std::move(source);
}

// PathOf normalizes a URI source; a refused path makes the request ambiguous.
std::optional<std::string> PathOf(std::optional<std::string_view> uri, bool& ambiguous) {
  if (!uri.has_value()) {
    return std::nullopt;
  }
  std::optional<std::string> path = NormalizeRequestPath(*uri);
  if (!path.has_value()) {
    ambiguous = true;
  }
  return path;
}

// WithoutQuery cuts a URI as forwarded at its query or fragment.
std::string_view WithoutQuery(std::string_view uri) {
  return uri.substr(0, uri.find_first_of("?#"));
}

// SingleValue is a header that must appear at most once and hold one value: a proxy chain
// that appends ("https, http") leaves no single answer, so the request is ambiguous.
std::optional<std::string_view> SingleValue(const http::Request& request, std::string_view name,
                                            bool& ambiguous) {
  const std::optional<std::string_view> value = request.Header(name);
  if (request.HeaderCount(name) > 1 ||
      (value.has_value() && (value->empty() || value->find(',') != std::string_view::npos))) {
    ambiguous = true;
  }
  return value;
}

}  // namespace

std::optional<std::string> OriginalRequest::Url() const {
  if (origin_ambiguous || !scheme.has_value() || !host.has_value() || raw_path.empty()) {
    return std::nullopt;
  }
  return base::StrCat(*scheme, "://", *host, raw_path);
}

OriginalRequest OriginalOf(const http::Request& request) {
  OriginalRequest original;
  bool& ambiguous = original.ambiguous;
  for (std::string_view name :
       {"X-Forwarded-Method", "X-Original-Method", "X-Forwarded-Uri", "X-Original-URI"}) {
    if (request.HeaderCount(name) > 1) {
      ambiguous = true;
    }
  }
  std::optional<std::string_view> method;
  Agree(request.Header("X-Forwarded-Method"), method, ambiguous);
  Agree(request.Header("X-Original-Method"), method, ambiguous);
  std::optional<std::string> path;
  std::optional<std::string_view> raw;
  for (std::string_view name : {"X-Forwarded-Uri", "X-Original-URI"}) {
    const std::optional<std::string_view> uri = request.Header(name);
    Agree(PathOf(uri, ambiguous), path, ambiguous);
    if (uri.has_value() && !raw.has_value()) {
      raw = WithoutQuery(*uri);
    }
  }
  constexpr std::string_view kPrefix = "/validate";
  if (request.path.size() > kPrefix.size()) {
    // Envoy ext_authz: /validate + the original path, asked with the original method.
    const std::string_view uri = request.path.substr(kPrefix.size());
    Agree(PathOf(uri, ambiguous), path, ambiguous);
    Agree(std::optional<std::string_view>(request.method), method, ambiguous);
    if (!raw.has_value()) {
      raw = WithoutQuery(uri);
    }
  }
  // With a path from a header but no method header, the method is unknown: only rules
  // without a method apply.
  original.method = method.has_value() ? *method : path.has_value() ? "" : request.method;
  original.path = std::move(path).value_or("");
  original.raw_path = raw.value_or("");
  original.scheme = SingleValue(request, "X-Forwarded-Proto", original.origin_ambiguous);
  original.host = SingleValue(request, "X-Forwarded-Host", original.origin_ambiguous);
  if (!original.host.has_value()) {
    original.host = SingleValue(request, "Host", original.origin_ambiguous);
  }
  return original;
}

}  // namespace tokenwarden::server
