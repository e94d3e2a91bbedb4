// Request, Response and the response bytes, without sockets.
#include "server/http/message.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/response_writer.h"

namespace tokenwarden::server::http {
namespace {

TEST(RequestTest, FindsHeadersCaseInsensitively) {
  const std::vector<HeaderField> fields = {
      {"Content-Type", "application/json"}, {"X-Tag", "a"}, {"x-tag", "b"}};
  Request request;
  request.headers = fields;
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-TAG"), "a");
  EXPECT_EQ(request.HeaderCount("X-Tag"), 2u);
  EXPECT_EQ(request.HeaderCount("Authorization"), 0u);
  EXPECT_FALSE(request.Header("Authorization").has_value());
}

TEST(ResponseTest, AddHeaderAppendsValidFields) {
  Response response;
  EXPECT_TRUE(response.AddHeader("Cache-Control", "no-store"));
  EXPECT_TRUE(response.AddHeader("WWW-Authenticate", "Bearer realm=\"x\", error=\"y\""));
  EXPECT_EQ(response.headers(),
            "Cache-Control: no-store\r\nWWW-Authenticate: Bearer realm=\"x\", error=\"y\"\r\n");
}

TEST(ResponseTest, AddHeaderRejectsInjection) {
  Response response;
  EXPECT_FALSE(response.AddHeader("X-Evil", "a\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(response.AddHeader("X-Evil", "a\nb"));
  EXPECT_FALSE(response.AddHeader("X-Evil", "a\rb"));
  EXPECT_FALSE(response.AddHeader("X-Evil", std::string("a\0b", 3)));
  EXPECT_FALSE(response.AddHeader("Bad Name", "v"));
  EXPECT_FALSE(response.AddHeader("Bad:Name", "v"));
  EXPECT_FALSE(response.AddHeader("", "v"));
  EXPECT_FALSE(response.AddHeader("content-length", "0"));  // the transport's own
  EXPECT_FALSE(response.AddHeader("Connection", "keep-alive"));
  EXPECT_EQ(response.headers(), "");
}

TEST(ResponseTest, ResetKeepsNothing) {
  Response response;
  response.status = 404;
  response.content_type = "text/plain";
  response.body = "x";
  response.close = true;
  response.log_note = "n";
  ASSERT_TRUE(response.AddHeader("A", "b"));
  response.Reset();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, "");
  EXPECT_FALSE(response.close);
  EXPECT_EQ(response.log_note, "");
  EXPECT_EQ(response.headers(), "");
}

TEST(StatusReasonTest, NamesEveryStatusWeSend) {
  const std::vector<std::pair<int, std::string>> cases = {{100, "Continue"},
                                                          {200, "OK"},
                                                          {204, "No Content"},
                                                          {400, "Bad Request"},
                                                          {401, "Unauthorized"},
                                                          {403, "Forbidden"},
                                                          {404, "Not Found"},
                                                          {405, "Method Not Allowed"},
                                                          {408, "Request Timeout"},
                                                          {413, "Content Too Large"},
                                                          {414, "URI Too Long"},
                                                          {415, "Unsupported Media Type"},
                                                          {429, "Too Many Requests"},
                                                          {431, "Request Header Fields Too Large"},
                                                          {500, "Internal Server Error"},
                                                          {501, "Not Implemented"},
                                                          {503, "Service Unavailable"},
                                                          {505, "HTTP Version Not Supported"}};
  for (const auto& [status, reason] : cases) {
    EXPECT_EQ(StatusReason(status), reason) << status;
  }
}

TEST(AppendResponseTest, WritesFramingThenHandlerHeaders) {
  Response response;
  response.status = 401;
  response.body = "{}";
  ASSERT_TRUE(response.AddHeader("WWW-Authenticate", "Basic"));
  std::string out;
  AppendResponse(response, "Sun, 06 Nov 1994 08:49:37 GMT", /*head=*/false,
                 ConnectionHeader::kClose, out);
  EXPECT_EQ(out,
            "HTTP/1.1 401 Unauthorized\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Server: tokenwarden\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\nWWW-Authenticate: Basic\r\n\r\n{}");
}

TEST(AppendResponseTest, HeadKeepsLengthDropsBody) {
  Response response;
  response.body = "12345";
  response.content_type = "";
  std::string out;
  AppendResponse(response, "D", /*head=*/true, ConnectionHeader::kNone, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nDate: D\r\nServer: tokenwarden\r\nContent-Length: 5\r\n\r\n");
}

TEST(MakeErrorResponseTest, BuildsJsonBody) {
  Response response;
  MakeErrorResponse(400, "Invalid \"method\"", response);
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(response.close);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            "{\"error\":\"invalid_request\",\"error_description\":\"The request is not valid "
            "HTTP/1.1. Invalid \\\"method\\\".\"}");
}

}  // namespace
}  // namespace tokenwarden::server::http
