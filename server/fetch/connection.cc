#include "server/fetch/connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <absl/status/status.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/str_cat.h"
#include "server/fetch/tls_client.h"

namespace tokenwarden::server::fetch {
namespace {

using Clock = std::chrono::steady_clock;

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

// SessionIndex is the SSL ex_data slot holding the Connection that owns the SSL.
int SessionIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

Deadline Deadline::After(uint32_t ms) {
  return Deadline{Clock::now() + std::chrono::milliseconds(ms)};
}

int Deadline::RemainingMs() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

std::string Where(const Url& url) {
  return base::StrCat(url.Origin(), url.target.substr(0, url.target.find('?')));
}

Connection::Connection(base::UniqueFd fd, const Url& url) : fd_(std::move(fd)), url_(&url) {}

Connection::~Connection() = default;

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const Url& url, std::span<const ConnectTo> connect_to, SSL_CTX* ctx, const std::string& ca_file,
    SSL_SESSION* session, const Deadline& deadline) {
  absl::StatusOr<base::UniqueFd> fd = Connect(url, connect_to, deadline);
  if (!fd.ok()) {
    return fd.status();
  }
  std::unique_ptr<Connection> connection(new Connection(*std::move(fd), url));
  if (ctx != nullptr) {
    absl::Status s = connection->Handshake(ctx, ca_file, session, deadline);
    if (!s.ok()) {
      return s;
    }
  }
  return connection;
}

void Connection::CaptureSessions(SSL_CTX* ctx) {
  // The callback runs only with the client cache mode set; the cache itself stays ours.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
  SSL_CTX_sess_set_new_cb(ctx, &Connection::OnNewSession);
  SessionIndex();  // made once, before any connection races to make it
}

int Connection::OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<Connection*>(SSL_get_ex_data(ssl, SessionIndex()));
  if (self == nullptr) {
    return 0;  // not ours to keep: BoringSSL frees it
  }
  self->session_.reset(session);
  return 1;
}

bssl::UniquePtr<SSL_SESSION> Connection::TakeSession() { return std::move(session_); }

bool Connection::resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_.get()) == 1; }

bool Connection::HasBufferedInput() const { return ssl_ != nullptr && SSL_pending(ssl_.get()) > 0; }

absl::Status Connection::Handshake(SSL_CTX* ctx, const std::string& ca_file, SSL_SESSION* session,
                                   const Deadline& deadline) {
  const Url& url = *url_;
  ssl_.reset(SSL_new(ctx));
  if (ssl_ == nullptr || SSL_set_fd(ssl_.get(), fd_.get()) != 1 ||
      SSL_set_ex_data(ssl_.get(), SessionIndex(), this) != 1) {
    ERR_clear_error();
    return absl::InternalError("SSL_new failed");
  }
  if (!ExpectPeer(ssl_.get(), url.host)) {
    return absl::InvalidArgumentError(base::StrCat(Where(url), ": unusable host name"));
  }
  // A session is only offered to the origin it came from (the pool keys sessions by origin);
  // resumption skips the certificate, which was verified for this host when it was made.
  if (session != nullptr && SSL_set_session(ssl_.get(), session) != 1) {
    ERR_clear_error();
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
                            url, "TLS handshake");
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
      return absl::PermissionDeniedError(
          base::StrCat(Where(url), ": certificate refused: ", X509_verify_cert_error_string(verify),
                       RefusalHint(verify, ca_file, url)));
    }
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    return absl::UnavailableError(base::StrCat(
        Where(url), ": TLS handshake failed: ",
        reason != nullptr ? reason : (error == SSL_ERROR_SYSCALL ? strerror(errno) : "closed")));
  }
}

absl::Status Connection::Write(std::string_view data, const Deadline& deadline) {
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
          return absl::UnavailableError(base::StrCat(Where(*url_), ": write failed"));
        }
        want = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      }
    } else {
      n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return absl::UnavailableError(base::StrCat(Where(*url_), ": write: ", strerror(errno)));
      }
    }
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    absl::Status s = Wait(fd_.get(), static_cast<short>(want), deadline, *url_, "request");
    if (!s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Connection::Read(char* buf, size_t len, const Deadline& deadline) {
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
        return absl::UnavailableError(base::StrCat(Where(*url_), ": read failed"));
      }
      want = error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    } else {
      const ssize_t n = recv(fd_.get(), buf, len, 0);
      if (n >= 0) {
        return static_cast<size_t>(n);
      }
      if (errno != EAGAIN && errno != EINTR) {
        return absl::UnavailableError(base::StrCat(Where(*url_), ": read: ", strerror(errno)));
      }
    }
    absl::Status s = Wait(fd_.get(), static_cast<short>(want), deadline, *url_, "response");
    if (!s.ok()) {
      return s;
    }
  }
}

bool Connection::IdleAndOpen() {
  pollfd p = {fd_.get(), POLLIN, 0};
  const int n = poll(&p, 1, 0);
  if (n == 0) {
    return true;  // nothing arrived: as open as a socket can be seen to be without a request
  }
  if (n < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    return false;
  }
  if (ssl_ == nullptr) {
    char byte;
    const ssize_t got = recv(fd_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  // Readable under TLS: a record without application data (a ticket, a key update) leaves the
  // connection usable; data nobody asked for, close_notify or the end of the stream do not.
  char byte;
  const int r = SSL_peek(ssl_.get(), &byte, 1);
  if (r > 0) {
    return false;
  }
  const int error = SSL_get_error(ssl_.get(), r);
  ERR_clear_error();
  return error == SSL_ERROR_WANT_READ;
}

}  // namespace tokenwarden::server::fetch
