#include "server/http/request_parser.h"

#include <llhttp.h>

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "base/ascii.h"
#include "server/http/message.h"
#include "server/http/request_target.h"

namespace tokenwarden::server::http {

using base::AsciiLower;
using base::EqualsIgnoreCase;
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 9110 §5.6.3: OWS is spaces and horizontal tabs.
std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

// Callbacks are llhttp's hooks. They copy the pieces the Request needs into head_ and body_
// and return HPE_PAUSED at the two events, so Execute learns the exact byte position of each
// (llhttp_get_error_pos) and the connection can act before parsing goes on.
struct RequestParser::Callbacks {
  static RequestParser& Of(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

  static int OnMessageBegin(llhttp_t* p) {
    RequestParser& self = Of(p);
    self.in_message_ = true;
    self.headers_complete_ = false;
    self.expects_continue_ = false;
    self.version_len_ = 0;
    self.version_accepted_ = false;
    self.head_.clear();
    self.span_start_ = 0;
    self.target_ = Span();
    self.fields_.clear();
    self.body_.clear();
    return 0;
  }
  static int OnUrl(llhttp_t* p, const char* at, size_t len) {
    RequestParser& self = Of(p);
    if (self.head_.size() - self.span_start_ + len > self.limits_.max_url_bytes) {
      self.Fail(414, {});
      return HPE_USER;
    }
    self.head_.append(at, len);
    return 0;
  }
  static int OnUrlComplete(llhttp_t* p) {
    RequestParser& self = Of(p);
    self.target_ = self.Close();
    return 0;
  }
  static int OnVersion(llhttp_t* p, const char* at, size_t len) {
    RequestParser& self = Of(p);
    for (size_t i = 0; i < len && self.version_len_ < sizeof(self.version_); ++i) {
      self.version_[self.version_len_++] = at[i];
    }
    return 0;
  }
  static int OnVersionComplete(llhttp_t* p) {
    Of(p).version_accepted_ = true;
    return 0;
  }
  static int OnAppend(llhttp_t* p, const char* at, size_t len) {
    Of(p).head_.append(at, len);
    return 0;
  }
  static int OnHeaderFieldComplete(llhttp_t* p) {
    RequestParser& self = Of(p);
    if (self.fields_.size() >= self.limits_.max_headers) {
      self.Fail(431, {});
      return HPE_USER;
    }
    self.fields_.push_back(FieldSpans{self.Close(), Span()});
    return 0;
  }
  static int OnHeaderValueComplete(llhttp_t* p) {
    RequestParser& self = Of(p);
    Span value = self.Close();
    // Trim OWS by narrowing the span (llhttp already skips the leading part).
    const std::string_view text = self.View(value);
    const std::string_view trimmed = TrimOws(text);
    value.begin += static_cast<uint32_t>(trimmed.data() - text.data());
    value.len = static_cast<uint32_t>(trimmed.size());
    if (!self.fields_.empty()) {
      self.fields_.back().value = value;
    }
    return 0;
  }
  static int OnHeadersComplete(llhttp_t* p) {
    Of(p).event_ = Event::kHeadersComplete;
    return HPE_PAUSED;
  }
  static int OnBody(llhttp_t* p, const char* at, size_t len) {
    RequestParser& self = Of(p);
    // A declared Content-Length was checked at the head; this catches chunked bodies.
    if (self.body_.size() + len > self.limits_.max_body_bytes) {
      self.Fail(413, {});
      return HPE_USER;
    }
    self.body_.append(at, len);
    return 0;
  }
  static int OnMessageComplete(llhttp_t* p) {
    Of(p).event_ = Event::kMessageComplete;
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& Settings() {
    static const llhttp_settings_t settings = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = OnMessageBegin;
      s.on_url = OnUrl;
      s.on_url_complete = OnUrlComplete;
      s.on_version = OnVersion;
      s.on_version_complete = OnVersionComplete;
      s.on_header_field = OnAppend;
      s.on_header_field_complete = OnHeaderFieldComplete;
      s.on_header_value = OnAppend;
      s.on_header_value_complete = OnHeaderValueComplete;
      s.on_headers_complete = OnHeadersComplete;
      s.on_body = OnBody;
      s.on_message_complete = OnMessageComplete;
      return s;
    }();
    return settings;
  }
};

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {
  // The lenient flags stay off: no Content-Length next to Transfer-Encoding, no codings
  // after chunked, no invalid header characters (request smuggling, RFC 9112 §6.3).
  llhttp_init(&parser_, HTTP_REQUEST, &Callbacks::Settings());
  parser_.data = this;
}

RequestParser::Span RequestParser::Close() {
  const auto end = static_cast<uint32_t>(head_.size());
  const Span span{span_start_, end - span_start_};
  span_start_ = end;
  return span;
}

RequestParser::Step RequestParser::Fail(int status, std::string_view detail) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_detail_ = detail;
  }
  return Step{Event::kError, 0};
}

RequestParser::Step RequestParser::Execute(const char* data, size_t len) {
  if (error_status_ != 0) {
    return Step{Event::kError, 0};
  }
  // While in a head, feed at most one byte past the limit: the head is measured exactly and
  // an endless one is refused without reading it all.
  const bool in_head = !headers_complete_;
  const size_t feed = in_head ? std::min(len, limits_.max_header_bytes + 1 - head_bytes_) : len;
  event_ = Event::kNeedMore;
  const llhttp_errno_t err = llhttp_execute(&parser_, data, feed);
  size_t used = feed;
  if (err == HPE_PAUSED) {
    used = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
    llhttp_resume(&parser_);
  }
  if (err == HPE_USER) {
    return Step{Event::kError, 0};  // a callback already chose the status
  } else if (err == HPE_INVALID_VERSION) {
    // "HTTP/3.0" is well formed but not ours (505); "HTTP/1.x" or "HTTP/1.1 \r\n" is
    // garbage (400).
    const bool well_formed = !version_accepted_ && version_len_ == 3 && IsDigit(version_[0]) &&
                             version_[1] == '.' && IsDigit(version_[2]);
    return Fail(well_formed ? 505 : 400, well_formed ? "" : llhttp_get_error_reason(&parser_));
  } else if (err == HPE_PAUSED_H2_UPGRADE) {
    return Fail(505, {});  // the HTTP/2 connection preface
  } else if (err != HPE_OK && err != HPE_PAUSED) {
    return Fail(400, llhttp_get_error_reason(&parser_));
  }
  if (in_head) {
    // RFC 9112 §5.2: obsolete line folding (a head line starting with SP/HTAB) must be
    // refused or replaced by SP. llhttp quietly joins it to the previous value, so we look
    // at the head bytes ourselves, and refuse (400): a folded header is a known lever for
    // one that an intermediary reads differently (e.g. Host).
    // memchr from line end to line end, not a byte loop: every head passes here.
    const std::string_view head(data, used);
    const auto folded = [](char c) { return c == ' ' || c == '\t'; };
    bool fold = last_byte_ == '\n' && used > 0 && folded(data[0]);
    for (size_t nl = head.find('\n'); !fold && nl != std::string_view::npos && nl + 1 < used;
         nl = head.find('\n', nl + 1)) {
      fold = folded(data[nl + 1]);
    }
    if (fold) {
      return Fail(400, "obsolete line folding is not accepted");
    }
  }
  if (used > 0) {
    last_byte_ = data[used - 1];
  }
  if (in_head) {
    head_bytes_ += used;
    if (head_bytes_ > limits_.max_header_bytes) {
      return Fail(431, {});
    }
  }
  if (event_ == Event::kHeadersComplete) {
    headers_complete_ = true;
    const int status = CheckHead();
    if (status != 0) {
      return Fail(status, {});
    }
  } else if (event_ == Event::kMessageComplete) {
    in_message_ = false;
    headers_complete_ = false;
    head_bytes_ = 0;
  }
  return Step{event_, used};
}

int RequestParser::CheckHead() {
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return 505;  // HTTP/0.9 and HTTP/2.0 reach here; llhttp refuses the rest
  }
  const int framing = CheckFraming();
  if (framing != 0) {
    return framing;
  }
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  // RFC 9110 §15.5.14: refuse a declared body before reading it.
  if (!chunked && (parser_.flags & F_CONTENT_LENGTH) != 0 &&
      parser_.content_length > limits_.max_body_bytes) {
    return 413;
  }
  // RFC 9110 §10.1.1: answer 100-continue only for HTTP/1.1 and only if a body is coming.
  const bool has_body = chunked || parser_.content_length > 0;
  if (has_body && !is_http10()) {
    for (const FieldSpans& field : fields_) {
      if (EqualsIgnoreCase(View(field.name), "expect") &&
          EqualsIgnoreCase(View(field.value), "100-continue")) {
        expects_continue_ = true;
      }
    }
  }
  return CheckTarget();
}

int RequestParser::CheckFraming() const {
  // We decide the framing from the fields themselves, not from llhttp's flags: llhttp treats
  // a Transfer-Encoding field with an empty value as absent, and would then frame the body by
  // Content-Length (or as no body at all) while a proxy in front may have read it otherwise.
  size_t transfer_encodings = 0;
  size_t content_lengths = 0;
  bool only_chunked = true;
  for (const FieldSpans& field : fields_) {
    const std::string_view name = View(field.name);
    if (EqualsIgnoreCase(name, "transfer-encoding")) {
      ++transfer_encodings;
      only_chunked = only_chunked && EqualsIgnoreCase(View(field.value), "chunked");
    } else if (EqualsIgnoreCase(name, "content-length")) {
      ++content_lengths;
    }
  }
  if (transfer_encodings == 0) {
    return 0;  // llhttp refused a repeated, empty or non-numeric Content-Length already
  }
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing, and together with
  // Content-Length it is a smuggling attempt; §6.3: a coding we do not understand leaves the
  // length unknowable. So the only Transfer-Encoding we take is exactly one field holding
  // exactly "chunked": empty values, empty list elements (","), "chunked, chunked", gzip,
  // identity and repeated fields are all 400, and the connection closes.
  if (is_http10() || content_lengths != 0 || transfer_encodings != 1 || !only_chunked) {
    return 400;
  }
  return 0;
}

int RequestParser::CheckTarget() const {
  // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host field with a valid value; a
  // server must answer 400 to none, several or an invalid one (proxies disagreeing about the
  // host is a known smuggling and cache-poisoning lever). HTTP/1.0 may omit it.
  size_t hosts = 0;
  std::string_view host;
  for (const FieldSpans& field : fields_) {
    if (EqualsIgnoreCase(View(field.name), "host")) {
      ++hosts;
      host = View(field.value);
    }
  }
  if (hosts > 1 || (hosts == 0 && !is_http10()) || (hosts == 1 && !IsValidHost(host))) {
    return 400;
  }
  const std::string_view method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  const ParsedTarget target = ParseTarget(method, View(target_));
  switch (target.form) {
    case TargetForm::kInvalid:
      return 400;
    case TargetForm::kAuthority:
      return 501;  // a well-formed CONNECT: we are not a proxy
    case TargetForm::kAbsolute:
      // RFC 9112 §3.2.2 lets the target's authority override Host; we refuse the two
      // disagreeing instead, since whoever routed the request may have used the other one.
      if (hosts == 1 && !SameAuthority(target.authority, host, target.default_port)) {
        return 400;
      }
      break;
    case TargetForm::kOrigin:
    case TargetForm::kAsterisk:
      break;
  }
  return 0;
}

bool RequestParser::keep_alive() const { return llhttp_should_keep_alive(&parser_) != 0; }

void RequestParser::Fill(Request& out) {
  out.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  out.target = View(target_);
  // The head passed CheckTarget: an origin- or absolute-form target yields its path and
  // query; the others (and a head that failed before its target was checked) none.
  const ParsedTarget target = ParseTarget(out.method, out.target);
  out.path = target.path;
  out.query = target.query;
  out.has_query = target.has_query;
  views_.clear();
  for (const FieldSpans& field : fields_) {
    views_.push_back(HeaderField{View(field.name), View(field.value)});
  }
  out.headers = views_;
  // Between the head and the end of the request (an error reply), the body is incomplete.
  out.body = headers_complete_ ? std::string_view() : std::string_view(body_);
}

}  // namespace tokenwarden::server::http
