#include "tests/server/fetch/test_https_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tokenwarden::testing {
namespace {

bssl::UniquePtr<EVP_PKEY> NewKey() {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  EC_KEY_generate_key(ec.get());
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  EVP_PKEY_assign_EC_KEY(key.get(), ec.release());
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  bssl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  X509_add_ext(cert, ext.get(), -1);
}

bssl::UniquePtr<X509> NewCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                              int64_t not_before_s, int64_t not_after_s) {
  static std::atomic<long> serial{1};
  bssl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after_s));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const uint8_t*>(cn), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  if (issuer == nullptr) {
    AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return cert;
}

}  // namespace

TestPki::TestPki(std::string ca_pem_path) : ca_pem_path_(std::move(ca_pem_path)), key_(NewKey()) {
  cert_ = NewCert(key_.get(), "tokenwarden test CA", nullptr, nullptr, -3600, 86400);
  bssl::UniquePtr<BIO> out(BIO_new_file(ca_pem_path_.c_str(), "w"));
  PEM_write_bio_X509(out.get(), cert_.get());
}

TestLeaf TestPki::Issue(const std::vector<std::string>& dns_names,
                        const std::vector<std::string>& ip_addresses, int64_t not_before_s,
                        int64_t not_after_s) const {
  TestLeaf leaf;
  leaf.key = NewKey();
  const std::string cn = dns_names.empty() ? "leaf" : dns_names[0];
  leaf.cert =
      NewCert(leaf.key.get(), cn.c_str(), cert_.get(), key_.get(), not_before_s, not_after_s);
  std::string san;
  for (const std::string& dns : dns_names) {
    san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const std::string& ip : ip_addresses) {
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }
  if (!san.empty()) {
    AddExtension(leaf.cert.get(), cert_.get(), NID_subject_alt_name, san);
    X509_sign(leaf.cert.get(), key_.get(), EVP_sha256());  // again, over the extension
  }
  return leaf;
}

std::string HttpResponse(int status, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [name, value] : headers) {
    out += name + ": " + value + "\r\n";
  }
  if (status != 304 && status != 204) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + (close ? "Connection: close\r\n\r\n" : "\r\n") + body;
}

TestHttpsServer::TestHttpsServer(const TestLeaf* leaf, uint16_t max_version)
    : tls_(leaf != nullptr) {
  if (tls_) {
    ctx_.reset(SSL_CTX_new(TLS_method()));
    SSL_CTX_use_certificate(ctx_.get(), leaf->cert.get());
    SSL_CTX_use_PrivateKey(ctx_.get(), leaf->key.get());
    if (max_version != 0) {
      SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_.get(), max_version);
    }
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 64);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  responder_ = [](const std::string&) { return HttpResponse(200, "ok"); };
  thread_ = std::thread([this] { Run(); });
}

TestHttpsServer::~TestHttpsServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string TestHttpsServer::Url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void TestHttpsServer::Answer(std::string raw, int delay_ms) {
  Respond([raw = std::move(raw)](const std::string&) { return raw; }, delay_ms);
}

void TestHttpsServer::Respond(Responder responder, int delay_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  responder_ = std::move(responder);
  delay_ms_ = delay_ms;
}

std::string TestHttpsServer::last_request() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_request_;
}

void TestHttpsServer::Run() {
  // Writing to a client that gave up (a timeout test) must fail with EPIPE, not kill the test.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  while (!stop_) {
    pollfd p = {listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) {
      continue;
    }
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ++connections_;
    const int open = ++open_;
    for (int seen = max_open_.load();
         open > seen && !max_open_.compare_exchange_weak(seen, open);) {
    }
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.insert(fd);
    connection_threads_.emplace_back([this, fd] {  // SIGPIPE stays blocked: inherited
      Serve(fd);
      {
        std::lock_guard<std::mutex> lock(mu_);
        open_fds_.erase(fd);
      }
      --open_;
      close(fd);
      ++closed_;
    });
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const int fd : open_fds_) {
      shutdown(fd, SHUT_RDWR);
    }
    threads.swap(connection_threads_);
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

std::string TestHttpsServer::ReadRequest(SSL* ssl, int fd) {
  std::string request;
  char buf[4096];
  size_t need = std::string::npos;
  while (need == std::string::npos || request.size() < need) {
    const long n = ssl != nullptr ? SSL_read(ssl, buf, sizeof(buf)) : recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      return "";
    }
    request.append(buf, static_cast<size_t>(n));
    const size_t end = request.find("\r\n\r\n");
    if (need == std::string::npos && end != std::string::npos) {
      size_t body = 0;
      const size_t cl = request.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) {
        body = std::stoul(request.substr(cl + 16));
      }
      need = end + 4 + body;
    }
  }
  return request;
}

void TestHttpsServer::Serve(int fd) {
  bssl::UniquePtr<SSL> ssl;
  if (tls_) {
    ssl.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) {
      ERR_clear_error();
      return;  // e.g. the client refused our certificate
    }
    if (SSL_session_reused(ssl.get()) == 1) {
      ++resumed_;
    }
  }
  for (;;) {
    const std::string request = ReadRequest(ssl.get(), fd);
    if (request.empty()) {
      return;
    }
    Responder responder;
    int delay_ms = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_request_ = request;
      responder = responder_;
      delay_ms = delay_ms_;
    }
    ++requests_;
    if (delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
    const std::string reply = responder(request);
    if (reply.empty()) {
      return;
    }
    if (tls_) {
      SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
    } else {
      send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
    if (!keep_alive_ || reply.find("\r\nConnection: close\r\n") != std::string::npos) {
      break;
    }
  }
  if (tls_) {
    SSL_shutdown(ssl.get());
  }
}

}  // namespace tokenwarden::testing
