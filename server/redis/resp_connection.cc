#include "server/redis/resp_connection.h"

#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/str_cat.h"
#include "server/fetch/tls_client.h"
#include "server/fetch/url.h"

namespace tokenwarden::server::redis {
namespace {

// kTickMs is how often deadlines are checked; timeouts are thus late by at most this.
constexpr uint64_t kTickMs = 20;

std::string TlsError(const char* what) {
  const uint32_t code = ERR_peek_last_error();
  ERR_clear_error();
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return base::StrCat(what, code != 0 ? ": " : "", code != 0 ? text : "");
}

struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

}  // namespace

RespConnection* RespConnection::Open(uv_loop_t* loop, ConnectionOptions options,
                                     std::function<void()> ready, PushFn push, ClosedFn closed) {
  auto* c = new RespConnection(loop, std::move(options), std::move(ready), std::move(push),
                               std::move(closed));
  c->Resolve();
  return c;
}

RespConnection::RespConnection(uv_loop_t* loop, ConnectionOptions options,
                               std::function<void()> ready, PushFn push, ClosedFn closed)
    : loop_(loop),
      options_(std::move(options)),
      ready_(std::move(ready)),
      push_(std::move(push)),
      closed_(std::move(closed)) {
  uv_tcp_init(loop_, &tcp_);
  uv_timer_init(loop_, &tick_);
  tcp_.data = this;
  tick_.data = this;
  open_handles_ = 2;
  connect_deadline_ms_ = uv_now(loop_) + options_.connect_timeout_ms;
  uv_timer_start(
      &tick_, [](uv_timer_t* t) { static_cast<RespConnection*>(t->data)->OnTick(); }, kTickMs,
      kTickMs);
}

RespConnection::~RespConnection() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // frees both BIOs
  }
}

void RespConnection::Resolve() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (fetch::IsIpAddress(options_.host) ? AI_NUMERICHOST : 0);
  resolve_req_.data = this;
  resolving_ = true;
  const std::string port = std::to_string(options_.port);
  const int r = uv_getaddrinfo(
      loop_, &resolve_req_,
      [](uv_getaddrinfo_t* req, int status, addrinfo* result) {
        static_cast<RespConnection*>(req->data)->OnResolved(status, result);
      },
      options_.host.c_str(), port.c_str(), &hints);
  if (r != 0) {
    resolving_ = false;
    Close(absl::UnavailableError(
        base::StrCat("cannot resolve ", options_.host, ": ", uv_strerror(r))));
  }
}

void RespConnection::OnResolved(int status, addrinfo* result) {
  resolving_ = false;
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(result, uv_freeaddrinfo);
  if (closing_) {
    MaybeDelete();  // the deletion may have waited for this callback
    return;
  }
  if (status != 0 || result == nullptr) {
    Close(absl::UnavailableError(
        base::StrCat("cannot resolve ", options_.host, ": ", uv_strerror(status))));
    return;
  }
  connect_req_.data = this;
  const int r = uv_tcp_connect(&connect_req_, &tcp_, result->ai_addr, [](uv_connect_t* req, int s) {
    static_cast<RespConnection*>(req->data)->OnConnected(s);
  });
  if (r != 0) {
    Close(absl::UnavailableError(base::StrCat("cannot connect to ", options_.host, ":",
                                              options_.port, ": ", uv_strerror(r))));
  }
}

void RespConnection::OnConnected(int status) {
  if (closing_) {
    return;
  }
  if (status != 0) {
    Close(absl::UnavailableError(base::StrCat("cannot connect to ", options_.host, ":",
                                              options_.port, ": ", uv_strerror(status))));
    return;
  }
  uv_tcp_nodelay(&tcp_, 1);
  // A Redis that vanished without a FIN (a partition) is noticed by keepalive probes on the
  // subscriber connection, which otherwise only ever reads.
  uv_tcp_keepalive(&tcp_, 1, 10);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&tcp_),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* self = static_cast<RespConnection*>(h->data);
        *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        static_cast<RespConnection*>(s->data)->OnRead(nread, buf);
      });
  if (options_.tls == nullptr) {
    BecomeReady();
    return;
  }
  absl::Status s = StartTls();
  if (!s.ok()) {
    Close(s);
  }
}

absl::Status RespConnection::StartTls() {
  ssl_ = SSL_new(options_.tls);
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || rbio_ == nullptr || wbio_ == nullptr) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    rbio_ = wbio_ = nullptr;
    return absl::InternalError(TlsError("cannot create a TLS session"));
  }
  SSL_set_bio(ssl_, rbio_, wbio_);
  if (!fetch::ExpectPeer(ssl_, options_.host)) {
    return absl::InvalidArgumentError("unusable host name for TLS");
  }
  SSL_set_connect_state(ssl_);
  return DriveTls();
}

absl::Status RespConnection::DriveTls() {
  if (!is_ready_) {
    const int r = SSL_do_handshake(ssl_);
    FlushTls();
    if (r != 1) {
      const int error = SSL_get_error(ssl_, r);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        return absl::OkStatus();
      }
      const long verify = SSL_get_verify_result(ssl_);
      if (SSL_get0_peer_certificates(ssl_) != nullptr && verify != X509_V_OK) {
        ERR_clear_error();
        return absl::PermissionDeniedError(
            base::StrCat("Redis certificate refused: ", X509_verify_cert_error_string(verify)));
      }
      return absl::UnavailableError(TlsError("TLS handshake with Redis failed"));
    }
    BecomeReady();
    if (closing_) {
      return absl::OkStatus();
    }
  }
  for (;;) {
    const int n = SSL_read(ssl_, read_buffer_, sizeof(read_buffer_));
    if (n > 0) {
      absl::Status s = Feed(read_buffer_, static_cast<size_t>(n));
      if (!s.ok() || closing_) {
        return s;
      }
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    FlushTls();
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      return absl::OkStatus();
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      return absl::UnavailableError("Redis closed the TLS connection");
    }
    return absl::UnavailableError(TlsError("TLS read from Redis failed"));
  }
}

void RespConnection::BecomeReady() {
  is_ready_ = true;
  if (ready_) {
    ready_();
  }
}

void RespConnection::OnRead(ssize_t nread, const uv_buf_t* buf) {
  if (closing_) {
    return;
  }
  if (nread < 0) {
    Close(absl::UnavailableError(
        nread == UV_EOF
            ? std::string("Redis closed the connection")
            : base::StrCat("read from Redis failed: ", uv_strerror(static_cast<int>(nread)))));
    return;
  }
  if (nread == 0) {
    return;
  }
  absl::Status s;
  if (ssl_ != nullptr) {
    // The memory BIO grows as needed; its contents are consumed by DriveTls right away.
    BIO_write(rbio_, buf->base, static_cast<int>(nread));
    s = DriveTls();
  } else {
    s = Feed(buf->base, static_cast<size_t>(nread));
  }
  if (!s.ok()) {
    Close(s);
  }
}

absl::Status RespConnection::Feed(const char* data, size_t size) {
  return reader_.Feed(std::string_view(data, size), [this](RespValue value) {
    if (!waiting_.empty()) {
      ReplyFn done = std::move(waiting_.front().done);
      waiting_.pop_front();
      done(std::move(value));
    } else if (push_) {
      push_(std::move(value));
    }
    return !closing_;
  });
}

void RespConnection::Send(std::span<const std::string_view> argv, ReplyFn done) {
  if (closing_) {
    done(absl::UnavailableError("the Redis connection is closed"));
    return;
  }
  std::string bytes;
  EncodeCommand(argv, bytes);
  waiting_.push_back(Waiting{std::move(done), uv_now(loop_) + options_.command_timeout_ms});
  if (ssl_ != nullptr) {
    // With memory BIOs SSL_write takes everything at once (no WANT_WRITE).
    if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
      Close(absl::UnavailableError(TlsError("TLS write to Redis failed")));
      return;
    }
    FlushTls();
    return;
  }
  Write(std::move(bytes));
}

void RespConnection::FlushTls() {
  const size_t pending = BIO_pending(wbio_);
  if (pending == 0) {
    return;
  }
  std::string bytes(pending, '\0');
  const int n = BIO_read(wbio_, bytes.data(), static_cast<int>(pending));
  bytes.resize(n > 0 ? static_cast<size_t>(n) : 0);
  Write(std::move(bytes));
}

void RespConnection::Write(std::string bytes) {
  if (bytes.empty() || closing_) {
    return;
  }
  auto* w = new WriteRequest{{}, std::move(bytes)};
  w->req.data = this;
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  const int r = uv_write(
      &w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, [](uv_write_t* req, int status) {
        auto* self = static_cast<RespConnection*>(req->data);
        delete reinterpret_cast<WriteRequest*>(req);
        if (status != 0 && status != UV_ECANCELED && !self->closing_) {
          self->Close(
              absl::UnavailableError(base::StrCat("write to Redis failed: ", uv_strerror(status))));
        }
      });
  if (r != 0) {
    delete w;
    Close(absl::UnavailableError(base::StrCat("write to Redis failed: ", uv_strerror(r))));
  }
}

void RespConnection::OnTick() {
  if (closing_) {
    return;
  }
  const uint64_t now = uv_now(loop_);
  if (!is_ready_ && now >= connect_deadline_ms_) {
    Close(absl::DeadlineExceededError(base::StrCat("no connection to ", options_.host, ":",
                                                   options_.port, " within ",
                                                   options_.connect_timeout_ms, " ms")));
    return;
  }
  if (!waiting_.empty() && now >= waiting_.front().deadline_ms) {
    Close(absl::DeadlineExceededError(
        base::StrCat("Redis did not answer within ", options_.command_timeout_ms, " ms")));
  }
}

void RespConnection::Close(const absl::Status& why) {
  if (closing_) {
    return;
  }
  closing_ = true;
  std::deque<Waiting> waiting;
  waiting.swap(waiting_);
  for (Waiting& w : waiting) {
    w.done(why);
  }
  if (closed_) {
    ClosedFn closed = std::move(closed_);
    closed(why);
  }
  if (resolving_) {
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_req_));  // OnResolved still runs
  }
  auto on_close = [](uv_handle_t* h) { static_cast<RespConnection*>(h->data)->OnHandleClosed(); };
  uv_timer_stop(&tick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
}

void RespConnection::OnHandleClosed() {
  --open_handles_;
  MaybeDelete();
}

void RespConnection::MaybeDelete() {
  if (open_handles_ == 0 && !resolving_) {
    delete this;
  }
}

}  // namespace tokenwarden::server::redis
