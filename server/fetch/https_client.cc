#include "server/fetch/https_client.h"

#include <pthread.h>
#include <signal.h>

#include <string>
#include <string_view>
#include <utility>

#include <absl/status/status.h>
#include <openssl/ssl.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "server/fetch/connection.h"
#include "server/fetch/connection_pool.h"
#include "server/fetch/response_parser.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::fetch {
namespace {

bool HasLineBreak(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// RequestBytes is the request as sent; `close` asks the server to end the connection after
// its response (RFC 9112 §9.6), else HTTP/1.1's default keeps it open.
absl::StatusOr<std::string> RequestBytes(const FetchRequest& request, const Url& url, bool close) {
  if (request.method.empty() || HasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return absl::InvalidArgumentError("invalid request method");
  }
  std::string out =
      base::StrCat(request.method, " ", url.target, " HTTP/1.1\r\nHost: ", url.HostHeader(),
                   "\r\nUser-Agent: tokenwarden\r\n", close ? "Connection: close\r\n" : "");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(base::StrCat("invalid request header ", name));
    }
    base::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (!request.body.empty() || request.method == "POST") {
    base::StrAppend(&out, "Content-Length: ", request.body.size(), "\r\n");
  }
  out.append("\r\n");
  out.append(request.body);
  return out;
}

// SigpipeBlock blocks SIGPIPE on this thread for one exchange (a TLS write to a peer that has
// gone would raise it) and swallows one left pending, so it is never delivered.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero = {0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

}  // namespace

std::optional<std::string_view> FetchResponse::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (base::EqualsIgnoreCase(field, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

// Exchanged is one request and its response on one connection.
struct HttpsClient::Exchanged {
  absl::StatusOr<FetchResponse> response;
  bool answered = false;  // a byte of the response arrived (the server has seen the request)
  bool reusable = false;  // the connection may carry the next exchange
};

HttpsClient::HttpsClient(FetchOptions options, bssl::UniquePtr<SSL_CTX> ctx)
    : options_(std::move(options)), ctx_(std::move(ctx)) {
  if (options_.max_connections > 0) {
    pool_ = std::make_unique<ConnectionPool>(options_.max_connections, options_.idle_timeout_ms);
    Connection::CaptureSessions(ctx_.get());
  }
}

HttpsClient::~HttpsClient() = default;

absl::StatusOr<std::unique_ptr<HttpsClient>> HttpsClient::Create(FetchOptions options) {
  absl::StatusOr<bssl::UniquePtr<SSL_CTX>> ctx = NewClientTlsContext(options.ca_file);
  if (!ctx.ok()) {
    return ctx.status();
  }
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(options), *std::move(ctx)));
}

ConnectionStats HttpsClient::Connections() const {
  return ConnectionStats{opened_.load(), resumed_.load(), reused_.load(), retried_.load()};
}

absl::StatusOr<std::unique_ptr<Connection>> HttpsClient::Open(const Url& url,
                                                              const std::string& origin,
                                                              const Deadline& deadline) {
  Deadline connect_deadline = Deadline::After(options_.connect_timeout_ms);
  if (connect_deadline.at > deadline.at) {
    connect_deadline = deadline;
  }
  SSL_CTX* ctx = url.scheme == "https" ? ctx_.get() : nullptr;
  bssl::UniquePtr<SSL_SESSION> session =
      ctx != nullptr && pool_ != nullptr ? pool_->Session(origin) : nullptr;
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(
      url, options_.connect_to, ctx, options_.ca_file, session.get(), connect_deadline);
  if (connection.ok()) {
    ++opened_;
    if ((*connection)->resumed()) {
      ++resumed_;
    }
  }
  return connection;
}

HttpsClient::Exchanged HttpsClient::Exchange(Connection& connection, const Url& url,
                                             const FetchRequest& request, const std::string& bytes,
                                             const Deadline& deadline) {
  Exchanged out;
  connection.SetUrl(url);
  absl::Status s = connection.Write(bytes, deadline);
  if (!s.ok()) {
    out.response = s;
    return out;
  }
  ResponseParser parser(options_.max_header_bytes, options_.max_response_bytes,
                        request.method == "HEAD");
  char buf[16384];
  while (!parser.complete()) {
    absl::StatusOr<size_t> n = connection.Read(buf, sizeof(buf), deadline);
    if (!n.ok()) {
      out.response = n.status();
      return out;
    }
    out.answered = out.answered || *n > 0;
    s = *n == 0 ? parser.Finish() : parser.Feed(std::string_view(buf, *n));
    if (!s.ok()) {
      out.response = absl::Status(s.code(), base::StrCat(Where(url), ": ", s.message()));
      return out;
    }
    if (*n == 0 && !parser.complete()) {
      break;
    }
  }
  out.reusable = parser.reusable() && !connection.HasBufferedInput();
  out.response = parser.Take();
  return out;
}

absl::StatusOr<FetchResponse> HttpsClient::FetchPooled(const Url& url, const FetchRequest& request,
                                                       const std::string& bytes,
                                                       const Deadline& deadline) {
  const std::string origin = url.Origin();
  absl::StatusOr<std::unique_ptr<Connection>> kept = pool_->Acquire(origin, deadline);
  if (!kept.ok()) {
    return absl::Status(kept.status().code(),
                        base::StrCat(Where(url), ": ", kept.status().message()));
  }
  std::unique_ptr<Connection> connection = *std::move(kept);
  bool reused = connection != nullptr;
  for (;;) {
    if (reused) {
      ++reused_;
    } else {
      absl::StatusOr<std::unique_ptr<Connection>> opened = Open(url, origin, deadline);
      if (!opened.ok()) {
        pool_->Release(origin, nullptr);
        return opened.status();
      }
      connection = *std::move(opened);
    }
    Exchanged out = Exchange(*connection, url, request, bytes, deadline);
    pool_->KeepSession(origin, connection->TakeSession());
    // RFC 9112 §9.3.1: a server may close an idle connection at any time, and the request
    // may have crossed its close. Nothing of a response came back, so the server did not act
    // on it: send it once more on a new connection. Never once any response byte arrived,
    // nor after the deadline (a slow server may still be working on it).
    if (!out.response.ok() && reused && !out.answered &&
        !absl::IsDeadlineExceeded(out.response.status())) {
      ++retried_;
      connection.reset();
      reused = false;
      continue;
    }
    pool_->Release(origin, out.reusable ? std::move(connection) : nullptr);
    return std::move(out.response);
  }
}

absl::StatusOr<FetchResponse> HttpsClient::Fetch(const FetchRequest& request) {
  absl::StatusOr<Url> url = ParseUrl(request.url);
  if (!url.ok()) {
    return url.status();
  }
  if (url->scheme == "http" && !options_.allow_plain_http) {
    return absl::InvalidArgumentError(base::StrCat(Where(*url),
                                                   ": plain http is not allowed for this issuer "
                                                   "(fetch.allow_plain_http)"));
  }
  absl::StatusOr<std::string> bytes = RequestBytes(request, *url, /*close=*/pool_ == nullptr);
  if (!bytes.ok()) {
    return bytes.status();
  }
  SigpipeBlock no_sigpipe;
  const Deadline deadline = Deadline::After(options_.timeout_ms);
  absl::StatusOr<FetchResponse> response;
  if (pool_ != nullptr) {
    response = FetchPooled(*url, request, *bytes, deadline);
  } else {
    absl::StatusOr<std::unique_ptr<Connection>> connection = Open(*url, "", deadline);
    if (!connection.ok()) {
      return connection.status();
    }
    response = Exchange(**connection, *url, request, *bytes, deadline).response;
  }
  if (!response.ok()) {
    return response;
  }
  if (response->status >= 300 && response->status < 400 && response->status != 304) {
    const std::optional<std::string_view> location = response->Header("Location");
    return absl::FailedPreconditionError(base::StrCat(
        Where(*url), ": redirect refused (", response->status,
        location.has_value() ? base::StrCat(" to ", location->substr(0, 256)) : "", ")"));
  }
  return response;
}

}  // namespace tokenwarden::server::fetch
