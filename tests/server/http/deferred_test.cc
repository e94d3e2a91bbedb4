// Deferred responses: a handler parks a request and another thread answers it later, as the
// routes do while an issuer is asked for keys or an upstream introspection. Pipelined
// requests behind it keep their order; a client that leaves first, or a server that stops
// first, loses nothing but that answer.
#include "server/http/deferred.h"

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/server.h"
#include "tests/server/http/test_client.h"

namespace tokenwarden::server::http {
namespace {

// Parked holds the deferred requests a test answers by hand.
class Parked {
 public:
  void Add(DeferredResponse later) {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(std::move(later));
    cv_.notify_all();
  }
  // Take waits (up to 5 s) for a parked request.
  std::optional<DeferredResponse> Take() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return !waiting_.empty(); })) {
      return std::nullopt;
    }
    DeferredResponse later = std::move(waiting_.front());
    waiting_.erase(waiting_.begin());
    return later;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeferredResponse> waiting_;
};

Response Text(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

class DeferredTest : public ::testing::Test {
 protected:
  // /later parks the request; anything else answers "now <path>" at once.
  void Start(int workers = 1) {
    ServerOptions options;
    options.listen = {"127.0.0.1:0"};
    options.workers = workers;
    auto server = HttpServer::Create(options, [this](const Request& request, Response& response) {
      if (request.path == "/cancel") {
        DeferredResponse later = request.deferrer->Defer(1000, nullptr);
        request.deferrer->Cancel(later);
        EXPECT_FALSE(later.pending());
        response = Text("answered at once");
        return;
      }
      if (request.path == "/bounded") {
        parked_.Add(request.deferrer->Defer(100, [](const Request& again, Response& out) {
          out = Text("timed out " + std::string(again.path));
        }));
        return;
      }
      if (request.path == "/later") {
        parked_.Add(request.deferrer->Defer(0, nullptr));
        return;
      }
      response = Text("now " + std::string(request.path));
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = server_->BoundAddresses().at(0);
    int port = 0;
    std::from_chars(address.data() + address.rfind(':') + 1, address.data() + address.size(), port);
    port_ = static_cast<uint16_t>(port);
    server_->Start();
  }

  Parked parked_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(DeferredTest, AnswerFromAnotherThreadReachesTheClient) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/later")));
  std::optional<DeferredResponse> later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  std::thread([later = std::move(*later)]() mutable { later.Finish(Text("done")); }).join();
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  // The connection stays usable.
  ASSERT_TRUE(client.Send(Get("/again")));
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /again");
}

TEST_F(DeferredTest, PipelinedRequestsWaitAndKeepTheirOrder) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/a") + Get("/later") + Get("/b") + Get("/later") + Get("/c")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /a");
  for (const char* answer : {"first", "second"}) {
    std::optional<DeferredResponse> later = parked_.Take();
    ASSERT_TRUE(later.has_value()) << answer;
    later->Finish(Text(answer));
    response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << answer;
    EXPECT_EQ(response->body, answer);
    response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, std::string(answer) == "first" ? "now /b" : "now /c");
  }
}

TEST_F(DeferredTest, ResumedHandlerSeesTheOriginalRequestAndMayDeferAgain) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Post("/later", "the-body") + Get("/after")));
  std::optional<DeferredResponse> later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  later->Resume([this](const Request& request, Response& response) {
    EXPECT_EQ(request.body, "the-body");
    parked_.Add(request.deferrer->Defer(0, nullptr));  // wait once more
    response.body = "ignored: the request deferred again";
  });
  later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  later->Resume([](const Request& request, Response& response) {
    response = Text("resumed " + std::string(request.method) + " " + std::string(request.body));
  });
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "resumed POST the-body");
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /after");
}

TEST_F(DeferredTest, CancelledDeferralAnswersSynchronously) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/cancel") + Get("/next")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "answered at once");
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /next");
}

TEST_F(DeferredTest, BoundedWaitAnswersAtTheDeadlineAndDropsTheLateAnswer) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/bounded") + Get("/after")));
  std::optional<DeferredResponse> later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "timed out /bounded");
  later->Finish(Text("too late"));
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /after");
}

TEST_F(DeferredTest, DroppedTicketAnswers500RatherThanHanging) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/later")));
  {
    std::optional<DeferredResponse> later = parked_.Take();
    ASSERT_TRUE(later.has_value());
  }  // destroyed unfinished
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
}

TEST_F(DeferredTest, ClientLeavingFirstDropsTheAnswer) {
  Start();
  std::optional<DeferredResponse> later;
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/later")));
    later = parked_.Take();
    ASSERT_TRUE(later.has_value());
  }  // the client closes its socket
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  later->Finish(Text("nobody listens"));
  // The server is unharmed.
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/ok")));
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "now /ok");
}

TEST_F(DeferredTest, StopWaitsForAParkedRequestWithinTheDrainTime) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/later")));
  std::optional<DeferredResponse> later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  std::thread stopper([this] { server_->Stop(5000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  later->Finish(Text("in time"));
  std::optional<RawResponse> response = client.ReadResponse();
  stopper.join();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "in time");
  EXPECT_EQ(response->Header("Connection"), "close");
}

TEST_F(DeferredTest, AnswerAfterTheServerStoppedIsDropped) {
  Start();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/later")));
  std::optional<DeferredResponse> later = parked_.Take();
  ASSERT_TRUE(later.has_value());
  server_->Stop(50);  // drain time runs out: the parked request's connection is closed
  later->Finish(Text("too late"));
  server_.reset();
}

}  // namespace
}  // namespace tokenwarden::server::http
