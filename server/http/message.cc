#include "server/http/message.h"

#include <array>
#include <cstddef>
#include <string_view>

#include "base/ascii.h"

namespace tokenwarden::server::http {

using base::AsciiLower;
using base::EqualsIgnoreCase;
namespace {

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~" / DIGIT / ALPHA. A table: every response header name passes here.
constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[static_cast<size_t>(c)] =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  }
  return table;
}();

// HasLineBreakOrNul: RFC 9110 §5.5 never allows CR, LF or NUL in a field value (response
// splitting). One pass without early exit (the compiler vectorizes it); values are short.
bool HasLineBreakOrNul(std::string_view value) {
  bool found = false;
  for (char c : value) {
    found |= (c == '\r') | (c == '\n') | (c == '\0');
  }
  return found;
}

// The fields the transport writes itself: a second copy from a handler would be a duplicate
// (and a second Content-Length or a Transfer-Encoding would change the framing).
bool IsTransportField(std::string_view name) {
  for (std::string_view reserved :
       {"content-length", "content-type", "connection", "date", "server", "transfer-encoding"}) {
    if (EqualsIgnoreCase(name, reserved)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!kTchar[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) {
      return field.value;
    }
  }
  return std::nullopt;
}

size_t Request::HeaderCount(std::string_view name) const {
  size_t count = 0;
  for (const HeaderField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) {
      ++count;
    }
  }
  return count;
}

bool Response::AddHeader(std::string_view name, std::string_view value) {
  if (!IsToken(name) || IsTransportField(name)) {
    return false;
  }
  if (HasLineBreakOrNul(value)) {
    return false;
  }
  headers_.append(name);
  headers_.append(": ");
  headers_.append(value);
  headers_.append("\r\n");
  return true;
}

void Response::Reset() {
  status = 200;
  content_type = "application/json";
  body.clear();
  close = false;
  log_note.clear();
  headers_.clear();
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      break;
  }
  // RFC 9112 §4: the reason phrase is informational; a client goes by the code.
  if (status >= 200 && status < 300) {
    return "Success";
  }
  if (status >= 400 && status < 500) {
    return "Client Error";
  }
  return status >= 500 ? "Server Error" : "Unknown";
}

}  // namespace tokenwarden::server::http
