// The outbound HTTPS client against a real TLS server on loopback: what it accepts (a chain to
// the configured CA for the right name, HTTP/1.1 framed by length, chunks or close) and
// everything it refuses, each with the error code callers branch on.
#include "server/fetch/https_client.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include <absl/status/status.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "server/fetch/url.h"
#include "tests/server/fetch/test_https_server.h"

namespace tokenwarden::server::fetch {
namespace {

using tokenwarden::testing::HttpResponse;
using tokenwarden::testing::TestHttpsServer;
using tokenwarden::testing::TestLeaf;
using tokenwarden::testing::TestPki;

class HttpsClientTest : public ::testing::Test {
 protected:
  HttpsClientTest()
      : pki_(::testing::TempDir() + "tw_fetch_ca_" + std::to_string(getpid()) + ".pem") {}

  std::unique_ptr<HttpsClient> Client(FetchOptions options = {}) {
    if (options.ca_file.empty()) {
      options.ca_file = pki_.ca_pem_path();
    }
    absl::StatusOr<std::unique_ptr<HttpsClient>> client = HttpsClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }
  static FetchRequest Get(const std::string& url) {
    FetchRequest request;
    request.url = url;
    return request;
  }

  TestPki pki_;
};

TEST_F(HttpsClientTest, FetchesWithTheConfiguredCa) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  server.Answer(HttpResponse(200, R"({"keys":[]})", {{"Cache-Control", "max-age=60"}}));
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/jwks?x=1")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"keys":[]})");
  EXPECT_EQ(response->Header("cache-control"), "max-age=60");
  const std::string request = server.last_request();
  EXPECT_EQ(request.rfind("GET /jwks?x=1 HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(request.find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST_F(HttpsClientTest, VerifiesDnsNamesToo) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  absl::StatusOr<FetchResponse> response =
      Client()->Fetch(Get("https://localhost:" + std::to_string(server.port()) + "/"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
}

TEST_F(HttpsClientTest, PostsBodyAndHeaders) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  FetchRequest request = Get(server.Url("/introspect"));
  request.method = "POST";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Authorization", "Basic abc"}};
  request.body = "token=t&token_type_hint=access_token";
  ASSERT_TRUE(Client()->Fetch(request).ok());
  const std::string seen = server.last_request();
  EXPECT_NE(seen.find("\r\nContent-Length: 36\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\r\nAuthorization: Basic abc\r\n"), std::string::npos);
  EXPECT_TRUE(seen.ends_with("\r\n\r\ntoken=t&token_type_hint=access_token")) << seen;
}

TEST_F(HttpsClientTest, ReadsChunkedAndCloseDelimitedBodies) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  server.Answer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n");
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "abcdefg");
  server.Answer("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
  response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "until the end");
}

TEST_F(HttpsClientTest, NotModifiedAndErrorsAreResponses) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  server.Answer(HttpResponse(304, "", {{"ETag", "\"v1\""}}));
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 304);
  EXPECT_EQ(response->Header("ETag"), "\"v1\"");
  server.Answer(HttpResponse(503, "busy"));
  response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
}

TEST_F(HttpsClientTest, RefusesAnUntrustedChain) {
  TestPki other(::testing::TempDir() + "tw_fetch_other_ca_" + std::to_string(getpid()) + ".pem");
  const TestLeaf leaf = other.Localhost();
  TestHttpsServer server(&leaf);
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied) << response.status();
  EXPECT_NE(std::string(response.status().message()).find("certificate refused"),
            std::string::npos);
  // The message says which roots refused it, so the user knows what to change.
  EXPECT_NE(std::string(response.status().message())
                .find("(fetch.ca_file \"" + pki_.ca_pem_path() +
                      "\" does not hold the CA that issued it)"),
            std::string::npos)
      << response.status();
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, SaysToSetTheCaFileWhenTheSystemBundleRefuses) {
  if (access(kSystemCaBundle, R_OK) != 0) {
    GTEST_SKIP() << "no system CA bundle on this machine";
  }
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  absl::StatusOr<std::unique_ptr<HttpsClient>> client = HttpsClient::Create(FetchOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<FetchResponse> response = (*client)->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(std::string(response.status().message())
                .find("(the system CA bundle does not trust it: set fetch.ca_file"),
            std::string::npos)
      << response.status();
}

TEST_F(HttpsClientTest, NamesAHostThatDoesNotResolve) {
  // RFC 6761 §6.4: .invalid never resolves.
  absl::StatusOr<FetchResponse> response =
      Client()->Fetch(Get("https://idp.no-such-host.invalid/jwks?secret=1"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  const std::string message(response.status().message());
  EXPECT_EQ(message.rfind("https://idp.no-such-host.invalid/jwks: DNS: cannot resolve host "
                          "\"idp.no-such-host.invalid\" (",
                          0),
            0u)
      << message;
}

TEST_F(HttpsClientTest, RefusesTheSystemBundleForAPrivateCa) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  FetchOptions options;
  options.ca_file = kSystemCaBundle;
  if (access(kSystemCaBundle, R_OK) != 0) {
    GTEST_SKIP() << "no system CA bundle on this machine";
  }
  absl::StatusOr<FetchResponse> response = Client(options)->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(HttpsClientTest, RefusesTheWrongHostName) {
  const TestLeaf leaf = pki_.Issue({"issuer.example"}, {});
  TestHttpsServer server(&leaf);
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied) << response.status();
  EXPECT_NE(
      std::string(response.status().message()).find("(the certificate is not for \"127.0.0.1\")"),
      std::string::npos)
      << response.status();
  response = Client()->Fetch(Get("https://localhost:" + std::to_string(server.port()) + "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied) << response.status();
  EXPECT_NE(
      std::string(response.status().message()).find("(the certificate is not for \"localhost\")"),
      std::string::npos)
      << response.status();
}

// connect_to moves only the TCP connection: the request still says the URL's Host, and the
// certificate must still be for the URL's host name.
TEST_F(HttpsClientTest, ConnectToChangesOnlyWhereTheConnectionGoes) {
  const TestLeaf leaf = pki_.Issue({"login.issuer.example"}, {});
  TestHttpsServer server(&leaf);
  FetchOptions options;
  options.connect_to = {{"login.issuer.example", 443, "127.0.0.1", server.port()},
                        {"other.example", 443, "127.0.0.1", server.port()}};
  std::unique_ptr<HttpsClient> client = Client(options);
  absl::StatusOr<FetchResponse> response =
      client->Fetch(Get("https://login.issuer.example/common/keys"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
  const std::string request = server.last_request();
  EXPECT_EQ(request.rfind("GET /common/keys HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: login.issuer.example\r\n"), std::string::npos) << request;

  // Same address, but the URL's host is not the certificate's: refused as always.
  response = client->Fetch(Get("https://other.example/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied) << response.status();
  // An entry is for its host and port only: another port is resolved as usual.
  response = client->Fetch(Get("https://login.issuer.example:8443/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST_F(HttpsClientTest, RefusesAnExpiredCertificate) {
  const TestLeaf leaf = pki_.Issue({"localhost"}, {"127.0.0.1"}, -7200, -3600);
  TestHttpsServer server(&leaf);
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(std::string(response.status().message()).find("expired"), std::string::npos)
      << response.status();
}

TEST_F(HttpsClientTest, RefusesTls11) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf, TLS1_1_VERSION);
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpsClientTest, RefusesOversizedBodiesAndHeads) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  FetchOptions options;
  options.max_response_bytes = 1024;
  options.max_header_bytes = 512;
  server.Answer(HttpResponse(200, std::string(1025, 'x')));
  absl::StatusOr<FetchResponse> response = Client(options)->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  server.Answer("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(2000, 'y'));
  response = Client(options)->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  server.Answer(HttpResponse(200, "", {{"X-Big", std::string(600, 'h')}}));
  response = Client(options)->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
}

TEST_F(HttpsClientTest, GivesUpOnASlowServerAtTheDeadline) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  server.Answer(HttpResponse(200, "late"), /*delay_ms=*/1500);
  FetchOptions options;
  options.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<FetchResponse> response = Client(options)->Fetch(Get(server.Url("/")));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(took, std::chrono::milliseconds(1200));
}

TEST_F(HttpsClientTest, ClosedPortIsUnavailable) {
  int port = 0;
  {
    TestHttpsServer gone(nullptr);
    port = gone.port();
  }
  absl::StatusOr<FetchResponse> response =
      Client()->Fetch(Get("https://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST_F(HttpsClientTest, RefusesRedirects) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  server.Answer(HttpResponse(302, "", {{"Location", "https://elsewhere.example/jwks"}}));
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(response.status().message()).find("redirect refused"), std::string::npos);
}

TEST_F(HttpsClientTest, PlainHttpOnlyWhenAllowed) {
  TestHttpsServer server(nullptr);
  absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests(), 0);
  FetchOptions options;
  options.allow_plain_http = true;
  response = Client(options)->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
}

TEST_F(HttpsClientTest, TruncatedOrInvalidResponsesAreDataLoss) {
  const TestLeaf leaf = pki_.Localhost();
  TestHttpsServer server(&leaf);
  for (const std::string& raw :
       {std::string("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        std::string("NOT HTTP AT ALL\r\n\r\n")}) {
    server.Answer(raw);
    absl::StatusOr<FetchResponse> response = Client()->Fetch(Get(server.Url("/")));
    ASSERT_FALSE(response.ok()) << raw;
    EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss) << response.status();
  }
}

TEST_F(HttpsClientTest, CreateNamesAnUnusableCaFile) {
  FetchOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  absl::StatusOr<std::unique_ptr<HttpsClient>> client = HttpsClient::Create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(std::string(client.status().message()).find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(UrlTest, ParsesAndRefuses) {
  absl::StatusOr<Url> url = ParseUrl("HTTPS://Issuer.Example:8443/a/b?c=d");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "issuer.example");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/a/b?c=d");
  EXPECT_EQ(url->HostHeader(), "issuer.example:8443");
  url = ParseUrl("https://[::1]/x");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->HostHeader(), "[::1]");
  url = ParseUrl("http://h");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->port, 80);
  for (const char* bad :
       {"ftp://h/", "https:/h", "https://", "https://user:pw@h/", "https://h/#frag", "https://h:0/",
        "https://h:65536/", "https://h:x/", "https://h /", "https://[::1/", "https://h\x01/",
        "//h/", "https://ex ample/", "https://h:/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tokenwarden::server::fetch
