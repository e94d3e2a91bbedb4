#include "server/fetch/https_client.h"

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <absl/status/status.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/ascii.h"
#include "base/str_cat.h"
#include "base/unique_fd.h"
#include "server/fetch/response_parser.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::fetch {
namespace {

using Clock = std::chrono::steady_clock;

struct Deadline {
  Clock::time_point at;
  int RemainingMs() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(left.count());
  }
};

Deadline After(uint32_t ms) { return Deadline{Clock::now() + std::chrono::milliseconds(ms)}; }

// Where names the request in messages: origin and path, never the query (it may carry data
// that does not belong in logs).
std::string Where(const Url& url) {
  return base::StrCat(url.Origin(), url.target.substr(0, url.target.find('?')));
}

absl::Status Timeout(const Url& url, std::string_view what) {
  return absl::DeadlineExceededError(base::StrCat(Where(url), ": ", what, " timed out"));
}

// Wait polls `fd` for `events` until `deadline`.
absl::Status Wait(int fd, short events, const Deadline& deadline, const Url& url,
                  std::string_view what) {
  for (;;) {
    pollfd p = {fd, events, 0};
    const int n = poll(&p, 1, deadline.RemainingMs());
    if (n > 0) {
      return absl::OkStatus();
    }
    if (n == 0) {
      return Timeout(url, what);
    }
    if (errno != EINTR) {
      return absl::UnavailableError(base::StrCat(Where(url), ": poll: ", strerror(errno)));
    }
  }
}

// RefusalHint says what to change when the server's certificate was refused for `verify`: an
// untrusted chain means the issuer's roots are not the ones configured, which only the
// operator can fix; a name mismatch means the URL or the certificate is wrong. "" otherwise
// (an expired certificate says so already).
std::string RefusalHint(long verify, const std::string& ca_file, const Url& url) {
  switch (verify) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    // A configured root with the issuing CA's name that did not sign the chain: another CA
    // of the same name, as throwaway test CAs often are.
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return ca_file.empty() ? std::string(
                                   " (the system CA bundle does not trust it: set fetch.ca_file to "
                                   "the PEM file of the CA that issued it)")
                             : base::StrCat(" (fetch.ca_file \"", ca_file,
                                            "\" does not hold the CA that issued it)");
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return base::StrCat(" (the certificate is not for \"", url.host, "\")");
    default:
      return "";
  }
}

// Connect opens the TCP connection for `url`: to its host and port, or to the address a
// connect_to entry names for them.
absl::StatusOr<base::UniqueFd> Connect(const Url& url, std::span<const ConnectTo> connect_to,
                                       const Deadline& deadline) {
  std::string_view host = url.host;
  uint16_t port_number = url.port;
  for (const ConnectTo& entry : connect_to) {
    if (entry.host == url.host && entry.port == url.port) {
      host = entry.to_host;
      port_number = entry.to_port;
      break;
    }
  }
  const std::string host_string(host);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (IsIpAddress(host) ? AI_NUMERICHOST : 0);
  addrinfo* found = nullptr;
  const std::string port = base::StrCat(port_number);
  const int gai = getaddrinfo(host_string.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) {
    return absl::UnavailableError(base::StrCat(Where(url), ": DNS: cannot resolve host \"", host,
                                               "\" (", gai_strerror(gai), ")"));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  absl::Status last = absl::UnavailableError(base::StrCat(Where(url), ": no address"));
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    base::UniqueFd fd(socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
      last = absl::UnavailableError(base::StrCat(Where(url), ": socket: ", strerror(errno)));
      continue;
    }
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      return fd;
    }
    if (errno != EINPROGRESS) {
      last = absl::UnavailableError(base::StrCat(Where(url), ": connect: ", strerror(errno)));
      continue;
    }
    absl::Status waited = Wait(fd.get(), POLLOUT, deadline, url, "connect");
    if (absl::IsDeadlineExceeded(waited)) {
      return waited;
    }
    int error = 0;
    socklen_t len = sizeof(error);
    if (waited.ok() && getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
        error == 0) {
      return fd;
    }
    last = waited.ok()
               ? absl::UnavailableError(base::StrCat(Where(url), ": connect: ", strerror(error)))
               : waited;
  }
  return last;
}

// Connection is one socket, plain or under TLS.
class Connection {
 public:
  Connection(base::UniqueFd fd, const Url& url) : fd_(std::move(fd)), url_(url) {}

  // Handshake runs TLS; `ca_file` (as configured, "" = the system bundle) names the roots in
  // the message when the chain is refused.
  absl::Status Handshake(SSL_CTX* ctx, const std::string& ca_file, const Deadline& deadline) {
    ssl_.reset(SSL_new(ctx));
    if (ssl_ == nullptr || SSL_set_fd(ssl_.get(), fd_.get()) != 1) {
      ERR_clear_error();
      return absl::InternalError("SSL_new failed");
    }
    if (!ExpectPeer(ssl_.get(), url_.host)) {
      return absl::InvalidArgumentError(base::StrCat(Where(url_), ": unusable host name"));
    }
    SSL_set_connect_state(ssl_.get());
    for (;;) {
      const int r = SSL_do_handshake(ssl_.get());
      if (r == 1) {
        return absl::OkStatus();
      }
      const int error = SSL_get_error(ssl_.get(), r);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        absl::Status s = Wait(fd_.get(), error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                              url_, "TLS handshake");
        if (!s.ok()) {
          return s;
        }
        continue;
      }
      // The verify result means something only once the server's chain arrived.
      const bool got_chain = SSL_get0_peer_certificates(ssl_.get()) != nullptr;
      const long verify = SSL_get_verify_result(ssl_.get());
      const uint32_t code = ERR_peek_last_error();
      ERR_clear_error();
      if (got_chain && verify != X509_V_OK) {
        return absl::PermissionDeniedError(base::StrCat(
            Where(url_), ": certificate refused: ", X509_verify_cert_error_string(verify),
            RefusalHint(verify, ca_file, url_)));
      }
      const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
      return absl::UnavailableError(base::StrCat(
          Where(url_), ": TLS handshake failed: ",
          reason != nullptr ? reason : (error == SSL_ERROR_SYSCALL ? strerror(errno) : "closed")));
    }
  }

  absl::Status Write(std::string_view data, const Deadline& deadline) {
    while (!data.empty()) {
      ssize_t n = 0;
      int want = POLLOUT;
      if (ssl_ != nullptr) {
        const int r = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
        if (r > 0) {
          n = r;
        } else {
          const int error = SSL_get_error(ssl_.get(), r);
          ERR_clear_error();
          if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            return absl::UnavailableError(base::StrCat(Where(url_), ": write failed"));
          }
          want = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        }
      } else {
        n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          return absl::UnavailableError(base::StrCat(Where(url_), ": write: ", strerror(errno)));
        }
      }
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      absl::Status s = Wait(fd_.get(), static_cast<short>(want), deadline, url_, "request");
      if (!s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  // Read returns the bytes read, 0 at the end of the stream.
  absl::StatusOr<size_t> Read(char* buf, size_t len, const Deadline& deadline) {
    for (;;) {
      int want = POLLIN;
      if (ssl_ != nullptr) {
        const int r = SSL_read(ssl_.get(), buf, static_cast<int>(len));
        if (r > 0) {
          return static_cast<size_t>(r);
        }
        const int error = SSL_get_error(ssl_.get(), r);
        ERR_clear_error();
        if (error == SSL_ERROR_ZERO_RETURN) {
          return 0;
        }
        if (error == SSL_ERROR_SYSCALL && r == 0) {
          return 0;  // closed without close_notify: the parser decides if that was complete
        }
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
          return absl::UnavailableError(base::StrCat(Where(url_), ": read failed"));
        }
        want = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      } else {
        const ssize_t n = recv(fd_.get(), buf, len, 0);
        if (n >= 0) {
          return static_cast<size_t>(n);
        }
        if (errno != EAGAIN && errno != EINTR) {
          return absl::UnavailableError(base::StrCat(Where(url_), ": read: ", strerror(errno)));
        }
      }
      absl::Status s = Wait(fd_.get(), static_cast<short>(want), deadline, url_, "response");
      if (!s.ok()) {
        return s;
      }
    }
  }

 private:
  base::UniqueFd fd_;
  const Url& url_;
  bssl::UniquePtr<SSL> ssl_;
};

bool HasLineBreak(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

absl::StatusOr<std::string> RequestBytes(const FetchRequest& request, const Url& url) {
  if (request.method.empty() || HasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return absl::InvalidArgumentError("invalid request method");
  }
  std::string out =
      base::StrCat(request.method, " ", url.target, " HTTP/1.1\r\nHost: ", url.HostHeader(),
                   "\r\nUser-Agent: tokenwarden\r\nConnection: close\r\n");
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

HttpsClient::HttpsClient(FetchOptions options, bssl::UniquePtr<SSL_CTX> ctx)
    : options_(std::move(options)), ctx_(std::move(ctx)) {}

HttpsClient::~HttpsClient() = default;

absl::StatusOr<std::unique_ptr<HttpsClient>> HttpsClient::Create(FetchOptions options) {
  absl::StatusOr<bssl::UniquePtr<SSL_CTX>> ctx = NewClientTlsContext(options.ca_file);
  if (!ctx.ok()) {
    return ctx.status();
  }
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(options), *std::move(ctx)));
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
  absl::StatusOr<std::string> bytes = RequestBytes(request, *url);
  if (!bytes.ok()) {
    return bytes.status();
  }
  SigpipeBlock no_sigpipe;
  const Deadline deadline = After(options_.timeout_ms);
  Deadline connect_deadline = After(options_.connect_timeout_ms);
  if (connect_deadline.at > deadline.at) {
    connect_deadline = deadline;
  }
  absl::StatusOr<base::UniqueFd> fd = Connect(*url, options_.connect_to, connect_deadline);
  if (!fd.ok()) {
    return fd.status();
  }
  Connection connection(*std::move(fd), *url);
  if (url->scheme == "https") {
    absl::Status s = connection.Handshake(ctx_.get(), options_.ca_file, connect_deadline);
    if (!s.ok()) {
      return s;
    }
  }
  absl::Status s = connection.Write(*bytes, deadline);
  if (!s.ok()) {
    return s;
  }
  ResponseParser parser(options_.max_header_bytes, options_.max_response_bytes,
                        request.method == "HEAD");
  char buf[16384];
  while (!parser.complete()) {
    absl::StatusOr<size_t> n = connection.Read(buf, sizeof(buf), deadline);
    if (!n.ok()) {
      return n.status();
    }
    s = *n == 0 ? parser.Finish() : parser.Feed(std::string_view(buf, *n));
    if (!s.ok()) {
      return absl::Status(s.code(), base::StrCat(Where(*url), ": ", s.message()));
    }
    if (*n == 0 && !parser.complete()) {
      break;
    }
  }
  FetchResponse response = parser.Take();
  if (response.status >= 300 && response.status < 400 && response.status != 304) {
    const std::optional<std::string_view> location = response.Header("Location");
    return absl::FailedPreconditionError(base::StrCat(
        Where(*url), ": redirect refused (", response.status,
        location.has_value() ? base::StrCat(" to ", location->substr(0, 256)) : "", ")"));
  }
  return response;
}

}  // namespace tokenwarden::server::fetch
