#include "server/fetch/response_parser.h"

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <utility>

#include <absl/status/status.h>

#include "base/ascii.h"
#include "base/str_cat.h"

namespace tokenwarden::server::fetch {

// kMaxHeaderFields bounds the number of response header fields.
constexpr size_t kMaxHeaderFields = 128;

struct ResponseParser::State {
  llhttp_t parser;
  llhttp_settings_t settings;
  ResponseParser* owner = nullptr;
  size_t max_header_bytes = 0;
  size_t max_body_bytes = 0;
  size_t head_bytes = 0;
  std::string field, value;
  bool in_value = false;
  absl::Status error;  // set by a callback that stopped the parser
};

struct ResponseParser::Callbacks {
  static State& Of(llhttp_t* p) { return *static_cast<State*>(p->data); }

  static int CountHead(State& s, size_t len) {
    s.head_bytes += len;
    if (s.head_bytes > s.max_header_bytes) {
      s.error = absl::ResourceExhaustedError(
          base::StrCat("response head is larger than ", s.max_header_bytes, " bytes"));
      return -1;
    }
    return 0;
  }
  static int OnStatus(llhttp_t* p, const char*, size_t len) { return CountHead(Of(p), len); }
  static void Commit(State& s) {
    if (s.in_value) {
      s.owner->response_.headers.emplace_back(std::move(s.field),
                                              std::string(base::StripWhitespace(s.value)));
      s.field.clear();
      s.value.clear();
      s.in_value = false;
    }
  }
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len) {
    State& s = Of(p);
    Commit(s);
    s.field.append(at, len);
    return CountHead(s, len);
  }
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
    State& s = Of(p);
    s.in_value = true;
    s.value.append(at, len);
    return CountHead(s, len);
  }
  static int OnHeaderValueComplete(llhttp_t* p) {
    State& s = Of(p);
    s.in_value = true;  // an empty value produces no data callback
    Commit(s);
    if (s.owner->response_.headers.size() > kMaxHeaderFields) {
      s.error = absl::ResourceExhaustedError("response has too many header fields");
      return -1;
    }
    return 0;
  }
  static int OnHeadersComplete(llhttp_t* p) {
    State& s = Of(p);
    s.owner->response_.status = llhttp_get_status_code(p);
    return 0;
  }
  static int OnBody(llhttp_t* p, const char* at, size_t len) {
    State& s = Of(p);
    std::string& body = s.owner->response_.body;
    if (body.size() + len > s.max_body_bytes) {
      s.error = absl::ResourceExhaustedError(
          base::StrCat("response body is larger than ", s.max_body_bytes, " bytes"));
      return -1;
    }
    body.append(at, len);
    return 0;
  }
  static int OnMessageComplete(llhttp_t* p) {
    State& s = Of(p);
    s.owner->complete_ = true;
    // Read now: llhttp resets its flags once the message is over.
    s.owner->keep_alive_ = llhttp_should_keep_alive(p) == 1;
    return HPE_PAUSED;  // one response per parser: what follows is not this exchange's
  }
};

ResponseParser::ResponseParser(size_t max_header_bytes, size_t max_body_bytes, bool head_request)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.owner = this;
  s.max_header_bytes = max_header_bytes;
  s.max_body_bytes = max_body_bytes;
  llhttp_settings_init(&s.settings);
  s.settings.on_status = &Callbacks::OnStatus;
  s.settings.on_header_field = &Callbacks::OnHeaderField;
  s.settings.on_header_value = &Callbacks::OnHeaderValue;
  s.settings.on_header_value_complete = &Callbacks::OnHeaderValueComplete;
  s.settings.on_headers_complete = &Callbacks::OnHeadersComplete;
  s.settings.on_body = &Callbacks::OnBody;
  s.settings.on_message_complete = &Callbacks::OnMessageComplete;
  llhttp_init(&s.parser, HTTP_RESPONSE, &s.settings);
  s.parser.data = &s;
  if (head_request) {
    // llhttp: a response to HEAD has no body (on_headers_complete returning 1 says so).
    s.settings.on_headers_complete = [](llhttp_t* p) {
      Callbacks::OnHeadersComplete(p);
      return 1;
    };
  }
}

ResponseParser::~ResponseParser() = default;

absl::Status ResponseParser::Feed(std::string_view data) {
  if (complete_) {
    extra_input_ = extra_input_ || !data.empty();
    return absl::OkStatus();
  }
  State& s = *state_;
  const llhttp_errno_t err = llhttp_execute(&s.parser, data.data(), data.size());
  if (err == HPE_OK) {
    return absl::OkStatus();
  }
  if (err == HPE_PAUSED && complete_) {
    extra_input_ = llhttp_get_error_pos(&s.parser) != data.data() + data.size();
    return absl::OkStatus();
  }
  if (!s.error.ok()) {
    return s.error;
  }
  return absl::DataLossError(base::StrCat("invalid HTTP response: ", llhttp_errno_name(err), " (",
                                          llhttp_get_error_reason(&s.parser), ")"));
}

absl::Status ResponseParser::Finish() {
  if (complete_) {
    return absl::OkStatus();
  }
  State& s = *state_;
  const llhttp_errno_t err = llhttp_finish(&s.parser);
  if (complete_) {
    return absl::OkStatus();
  }
  if (!s.error.ok()) {
    return s.error;
  }
  return absl::DataLossError(
      base::StrCat("the connection closed before the response was complete",
                   err == HPE_OK ? "" : base::StrCat(" (", llhttp_errno_name(err), ")")));
}

}  // namespace tokenwarden::server::fetch
