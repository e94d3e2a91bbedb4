#include "tests/server/http/test_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/server.h"

namespace tokenwarden::server::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> RawResponse::Header(std::string_view name) const {
  std::string_view rest(head);
  rest = rest.substr(rest.find("\r\n") + 2);  // skip the status line
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && EqualsIgnoreCase(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

TestClient::TestClient(uint16_t port, const char* host) {
  sockaddr_storage addr = {};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return;
  }
  fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return;
  }
  timeval timeout = {3, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

TestClient::~TestClient() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

bool TestClient::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TestClient::Fill() {
  char chunk[16384];
  const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<RawResponse> TestClient::ReadResponse(bool head_request) {
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) {
      return std::nullopt;
    }
  }
  RawResponse out;
  out.head = buffer_.substr(0, head_end + 4);
  buffer_.erase(0, head_end + 4);
  if (out.head.size() < 12 || out.head.compare(0, 9, "HTTP/1.1 ") != 0) {
    return std::nullopt;
  }
  std::from_chars(out.head.data() + 9, out.head.data() + 12, out.status);
  size_t length = 0;
  if (const std::optional<std::string> cl = out.Header("Content-Length")) {
    std::from_chars(cl->data(), cl->data() + cl->size(), length);
  }
  if (head_request || out.status == 100 || out.status == 204) {
    length = 0;
  }
  while (buffer_.size() < length) {
    if (!Fill()) {
      return std::nullopt;
    }
  }
  out.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return out;
}

std::string TestClient::ReadExactly(size_t len) {
  while (buffer_.size() < len && Fill()) {
  }
  std::string out = buffer_.substr(0, len);
  buffer_.erase(0, out.size());
  return out;
}

std::string TestClient::ReadAll(bool* closed) {
  char chunk[16384];
  while (true) {
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (closed != nullptr) {
      *closed = n == 0 || errno == ECONNRESET;
    }
    break;
  }
  std::string out;
  out.swap(buffer_);
  return out;
}

bool TestClient::WaitClosed(int timeout_ms) {
  if (!buffer_.empty()) {
    return false;
  }
  pollfd p = {fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) != 1) {
    return false;
  }
  char byte;
  const ssize_t n = recv(fd_, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::string Get(std::string_view target, std::string_view extra_headers) {
  std::string out = "GET ";
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: test\r\n");
  out.append(extra_headers);
  out.append("\r\n");
  return out;
}

std::string Post(std::string_view target, std::string_view body) {
  std::string out = "POST ";
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: ");
  out.append(std::to_string(body.size()));
  out.append("\r\n\r\n");
  out.append(body);
  return out;
}

HttpServerTest::~HttpServerTest() {
  if (server_ != nullptr) {
    server_->Stop(0);
  }
}

void HttpServerTest::Echo(const Request& request, Response& response, std::atomic<bool>* sleeping) {
  response.content_type = "text/plain";
  const std::string_view path = request.path;
  if (path == "/sleep") {
    sleeping->store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  } else if (path == "/close") {
    response.close = true;
  } else if (path == "/no-content") {
    response.status = 204;
    return;
  } else if (path.substr(0, 8) == "/header/") {
    response.body = std::string(request.Header(path.substr(8)).value_or("(none)"));
    return;
  } else if (path.substr(0, 5) == "/big/") {
    size_t n = 0;
    std::from_chars(path.data() + 5, path.data() + path.size(), n);
    response.body.assign(n, 'x');
    return;
  } else if (path == "/worker") {
    response.body = std::to_string(request.worker);
    return;
  }
  response.body.append(request.method);
  response.body.push_back(' ');
  response.body.append(request.target);
  response.body.push_back(' ');
  response.body.append(request.body);
}

void HttpServerTest::StartServer(const Limits& limits, int workers) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.workers = workers;
  options.limits = limits;
  auto server = HttpServer::Create(
      options,
      [this](const Request& request, Response& response) { Echo(request, response, &sleeping_); },
      [this](int worker, const Request* request, const Response& response, uint64_t latency_ns) {
        CompletionRecord record;
        record.worker = worker;
        record.has_request = request != nullptr;
        record.path = request != nullptr ? std::string(request->path) : "";
        record.status = response.status;
        record.latency_ns = latency_ns;
        std::lock_guard<std::mutex> lock(mu_);
        completions_.push_back(record);
      });
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  const std::vector<std::string> bound = server_->BoundAddresses();
  ASSERT_EQ(bound.size(), 1u);
  const std::string& address = bound[0];
  ASSERT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
  int port = 0;
  std::from_chars(address.data() + 10, address.data() + address.size(), port);
  ASSERT_GT(port, 0);
  port_ = static_cast<uint16_t>(port);
  server_->Start();
}

uint16_t FirstPort(const HttpServer& server) {
  const std::string bound = server.BoundAddresses().at(0);
  return static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
}

std::vector<CompletionRecord> HttpServerTest::Completions() {
  std::lock_guard<std::mutex> lock(mu_);
  return completions_;
}

}  // namespace tokenwarden::server::http
