#include "server/http/response_writer.h"

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/json_escape.h"
#include "server/http/message.h"

namespace tokenwarden::server::http {
namespace {

void AppendNumber(size_t value, std::string& out) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  (void)ec;  // 24 digits always suffice for size_t
  out.append(digits, static_cast<size_t>(end - digits));
}

// kErrorEscapes: error bodies have always spelled every control character \u00XX.
constexpr base::JsonEscapes kErrorEscapes = {.short_forms = false, .escape_delete = false};

struct ErrorText {
  std::string_view code;
  std::string_view description;
};

ErrorText ErrorTextOf(int status) {
  switch (status) {
    case 408:
      return {"request_timeout", "The request was not received within the read timeout."};
    case 413:
      return {"request_too_large", "The request body exceeds the size limit."};
    case 414:
      return {"uri_too_long", "The request-target exceeds the length limit."};
    case 431:
      return {"headers_too_large",
              "The request header section exceeds the size or field-count limit."};
    case 501:
      return {"not_implemented", "Only the chunked transfer coding is supported."};
    case 505:
      return {"http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are supported."};
    default:
      return {"invalid_request", "The request is not valid HTTP/1.1."};
  }
}

}  // namespace

void AppendResponse(const Response& response, std::string_view date, bool head,
                    ConnectionHeader connection, std::string& out) {
  // A handler's out-of-range status would make the status line unparsable.
  const int status = response.status < 100 || response.status > 999 ? 500 : response.status;
  const bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
  out.append("HTTP/1.1 ");
  AppendNumber(static_cast<size_t>(status), out);
  out.push_back(' ');
  out.append(StatusReason(status));
  out.append("\r\nDate: ");
  out.append(date);
  out.append("\r\nServer: tokenwarden\r\n");
  if (!bodiless) {
    if (!response.content_type.empty()) {
      out.append("Content-Type: ");
      out.append(response.content_type);
      out.append("\r\n");
    }
    out.append("Content-Length: ");
    AppendNumber(response.body.size(), out);
    out.append("\r\n");
  }
  if (connection == ConnectionHeader::kClose) {
    out.append("Connection: close\r\n");
  } else if (connection == ConnectionHeader::kKeepAlive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append(response.headers());
  out.append("\r\n");
  if (!head && !bodiless) {
    out.append(response.body);
  }
}

void MakeErrorResponse(int status, std::string_view detail, Response& response) {
  const ErrorText text = ErrorTextOf(status);
  response.Reset();
  response.status = status;
  response.close = true;
  response.body.append("{\"error\":\"");
  response.body.append(text.code);
  response.body.append("\",\"error_description\":\"");
  base::AppendJsonEscaped(text.description, response.body, kErrorEscapes);
  if (!detail.empty()) {
    response.body.push_back(' ');
    base::AppendJsonEscaped(detail, response.body, kErrorEscapes);
    response.body.push_back('.');
  }
  response.body.append("\"}");
}

}  // namespace tokenwarden::server::http
