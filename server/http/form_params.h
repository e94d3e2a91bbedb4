// File: server/http/form_params.h
// -----------------------------------------------------------------------------
// The parameters of an application/x-www-form-urlencoded body (RFC 7662 and RFC 7009
// requests), with the rules a request body adds to the codec of base/form_urlencoded.h:
// repeated names refused (RFC 6749 §3.1), a bound on their number, storage reused between
// requests.
#ifndef TOKENWARDEN_SERVER_HTTP_FORM_PARAMS_H_
#define TOKENWARDEN_SERVER_HTTP_FORM_PARAMS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokenwarden::server::http {

// FormParams are the decoded parameters of one body, in order. Reused between requests so a
// warm parse does not allocate.
class FormParams {
 public:
  enum class Status { kOk, kBadEncoding, kRepeated, kTooMany };
  // Parse replaces the contents with `body`'s parameters. Empty segments ("a=1&&b=2") are
  // skipped; a segment without '=' is a name with an empty value. A name given twice is
  // kRepeated (RFC 6749 §3.1: parameters must not be included more than once) and
  // `repeated()` names it.
  Status Parse(std::string_view body, size_t max_params = 32);
  // Get returns the value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  std::string_view repeated() const { return repeated_; }
  size_t size() const { return count_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;  // first count_ are live
  size_t count_ = 0;
  std::string_view repeated_;
};

// IsFormContentType: a Content-Type value (absent: false) whose media type, parameters aside,
// is application/x-www-form-urlencoded, in any case (RFC 9110 §8.3.1).
bool IsFormContentType(std::optional<std::string_view> content_type);

}  // namespace tokenwarden::server::http

#endif  // TOKENWARDEN_SERVER_HTTP_FORM_PARAMS_H_
