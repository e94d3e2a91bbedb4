// The steady keep-alive path allocates nothing: once a connection's buffers are warm, a
// request and its response reuse them. Counted by replacing the global operator new, so only
// in builds without sanitizers (they bring their own allocator).
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "server/http/server.h"
#include "tests/server/http/test_client.h"

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define TW_COUNT_ALLOCATIONS 1
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) {
    std::abort();
  }
  return p;
}
// These replacements pair malloc with free themselves; GCC, seeing gtest's `new` and this
// `delete` inlined into one function at -O1 and above, takes the free for a mismatch.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
#endif

namespace tokenwarden::server::http {
namespace {

TEST(HttpAllocationTest, KeepAliveRequestsDoNotAllocate) {
#ifndef TW_COUNT_ALLOCATIONS
  GTEST_SKIP() << "sanitizer build: operator new is not ours to count";
#else
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  auto server = HttpServer::Create(options, [](const Request& request, Response& response) {
    response.body.assign(request.path);
    response.body.append(request.body);
    (void)response.AddHeader("Cache-Control", "no-store");
  });
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Start();
  const std::string bound = (*server)->BoundAddresses().at(0);
  TestClient client(static_cast<uint16_t>(std::stoi(bound.substr(bound.find(':') + 1))));
  const std::string request = Post("/introspect", "token=abc.def.ghi&token_type_hint=x");
  ASSERT_TRUE(client.Send(request));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  const size_t response_len = first->head.size() + first->body.size();

  // Warm up, then count while this thread only calls send/recv on fixed buffers.
  char buffer[4096];
  ASSERT_LE(response_len, sizeof(buffer));
  auto round_trip = [&] {
    if (send(/*fd=*/client.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return false;
    }
    size_t got = 0;
    while (got < response_len) {
      const ssize_t n = recv(client.fd(), buffer + got, response_len - got, 0);
      if (n <= 0) {
        return false;
      }
      got += static_cast<size_t>(n);
    }
    return true;
  };
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(round_trip());
  }
  const size_t before = g_allocations.load();
  ASSERT_GT(before, 0u);  // the counting operator new is the one in use
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(round_trip());
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_EQ(std::string(buffer, 15), "HTTP/1.1 200 OK");
#endif
}

}  // namespace
}  // namespace tokenwarden::server::http
