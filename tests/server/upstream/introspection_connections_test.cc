// Upstream introspection over the real HTTPS client with kept connections, against a TLS
// endpoint on loopback: a run of cache misses (distinct tokens) costs one connection and one
// handshake, the introspector's counters report it, and a burst of misses never opens more
// connections than the introspector has threads.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "server/fetch/https_client.h"
#include "server/upstream/opaque_introspector.h"
#include "tests/server/fetch/test_https_server.h"

namespace tokenwarden::server::upstream {
namespace {

using tokenwarden::testing::HttpResponse;
using tokenwarden::testing::TestHttpsServer;
using tokenwarden::testing::TestLeaf;
using tokenwarden::testing::TestPki;

class IntrospectionConnectionsTest : public ::testing::Test {
 protected:
  IntrospectionConnectionsTest()
      : pki_(::testing::TempDir() + "tw_upstream_ca_" + std::to_string(getpid()) + ".pem"),
        leaf_(pki_.Localhost()),
        server_(&leaf_) {
    server_.KeepAlive(true);
    server_.Answer(HttpResponse(200, R"({"active":true,"sub":"u"})", {}, /*close=*/false));
  }

  void Make(size_t connections) {
    fetch::FetchOptions options;
    options.ca_file = pki_.ca_pem_path();
    options.max_connections = connections;
    absl::StatusOr<std::unique_ptr<fetch::HttpsClient>> client =
        fetch::HttpsClient::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    UpstreamConfig config;
    config.issuer = "https://op.example";
    config.endpoint = server_.Url("/introspect");
    config.client_id = "tw";
    config.client_secret = "secret";
    config.threads = connections;
    absl::StatusOr<std::unique_ptr<OpaqueIntrospector>> made = OpaqueIntrospector::Create(
        config, std::shared_ptr<fetch::Fetcher>(*std::move(client)), nullptr);
    ASSERT_TRUE(made.ok()) << made.status();
    introspector_ = *std::move(made);
  }
  // AskAll looks up `count` distinct tokens (`prefix` and a number) at once and waits for
  // every answer; returns how many were active.
  int AskAll(int count, const std::string& prefix = "opaque-") {
    std::mutex mu;
    std::condition_variable cv;
    int answered = 0, active = 0;
    for (int i = 0; i < count; ++i) {
      introspector_->Lookup(prefix + std::to_string(i), [&](const UpstreamOutcome& outcome) {
        std::lock_guard<std::mutex> lock(mu);
        ++answered;
        active += outcome.kind == UpstreamOutcome::Kind::kActive ? 1 : 0;
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered == count; }));
    return active;
  }

  TestPki pki_;
  TestLeaf leaf_;
  TestHttpsServer server_;
  std::unique_ptr<OpaqueIntrospector> introspector_;
};

TEST_F(IntrospectionConnectionsTest, SequentialMissesShareOneConnection) {
  Make(/*connections=*/2);
  // Eight distinct tokens, one after the other: every one a cache miss.
  for (int round = 0; round < 8; ++round) {
    ASSERT_EQ(AskAll(1, "round-" + std::to_string(round) + "-"), 1);
  }
  const UpstreamStats stats = introspector_->Stats();
  EXPECT_EQ(stats.calls, 8u);
  EXPECT_EQ(stats.connections.opened, 1u);
  EXPECT_EQ(stats.connections.reused, 7u);
  EXPECT_EQ(server_.requests(), 8);
  EXPECT_EQ(server_.connections(), 1);  // so a single (full) TLS handshake
  EXPECT_EQ(server_.resumed(), 0);
}

TEST_F(IntrospectionConnectionsTest, ABurstOfMissesStaysWithinTheThreads) {
  server_.Answer(HttpResponse(200, R"({"active":true,"sub":"u"})", {}, /*close=*/false),
                 /*delay_ms=*/5);
  Make(/*connections=*/3);
  EXPECT_EQ(AskAll(40), 40);
  EXPECT_LE(server_.max_open(), 3);
  const UpstreamStats stats = introspector_->Stats();
  EXPECT_EQ(stats.calls, 40u);
  EXPECT_LE(stats.connections.opened, 3u);
  EXPECT_EQ(stats.connections.opened + stats.connections.reused, 40u);
}

}  // namespace
}  // namespace tokenwarden::server::upstream
