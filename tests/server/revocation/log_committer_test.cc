// LogCommitter: revocations handed over from many threads are all written, each caller is told
// only once its revocation is in the file, what queues during an fsync goes out together
// (group commit), and stopping commits what was handed over.
#include "server/revocation/log_committer.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/denylist.h"
#include "server/revocation/record.h"
#include "server/revocation/revocation_log.h"

namespace tokenwarden::server::revocation {
namespace {

constexpr int64_t kNow = 1700000000;

Revocation RevocationN(int n) {
  return Revocation{Denylist::KeyFor("https://issuer.example", "jti-" + std::to_string(n), ""),
                    Denylist::Entry{kNow + 100}};
}

class LogCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "tw_committer_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<RevocationLog>> log =
        RevocationLog::Open(dir_ + "/revocations.log", denylist_, kNow, nullptr);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Read() const {
    std::ifstream in(dir_ + "/revocations.log", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
  Denylist denylist_{1024};
  std::unique_ptr<RevocationLog> log_;
};

TEST_F(LogCommitterTest, EveryCallerIsToldOnceItsRevocationIsInTheFile) {
  constexpr int kThreads = 4;
  constexpr int kEach = 100;
  std::atomic<int> ok{0};
  std::atomic<int> missing{0};
  {
    LogCommitter committer(*log_);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const Revocation r = RevocationN(t * kEach + i);
          committer.Commit({r}, [&, line = RecordText(r)](const absl::Status& s) {
            // On the committer's thread, after the batch's fsync: the line is there.
            if (s.ok() && Read().find(line + "\n") != std::string::npos) {
              ++ok;
            } else {
              ++missing;
            }
          });
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
  }  // the destructor commits what is still queued
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(log_->lines(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(LogCommitterTest, RevocationsQueuedDuringAnFsyncShareTheNextOne) {
  LogCommitter committer(*log_);
  std::mutex mu;
  std::vector<std::string> order;
  std::atomic<int> done{0};
  // Hold the committer's thread inside the first batch's callback while 50 more queue up.
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  committer.Commit({RevocationN(0)}, [&](const absl::Status&) {
    inside = true;
    while (!release.load()) {
      std::this_thread::yield();
    }
    ++done;
  });
  while (!inside.load()) {
    std::this_thread::yield();
  }
  for (int i = 1; i <= 50; ++i) {
    committer.Commit({RevocationN(i), RevocationN(1000 + i)}, [&, i](const absl::Status& s) {
      EXPECT_TRUE(s.ok()) << s;
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(std::to_string(i));
      ++done;
    });
  }
  release = true;
  while (done.load() < 51) {
    std::this_thread::yield();
  }
  EXPECT_EQ(committer.batches(), 2u);  // the first, then the 50 together
  EXPECT_EQ(committer.committed(), 101u);
  ASSERT_EQ(order.size(), 50u);
  EXPECT_EQ(order.front(), "1");  // callers are told in the order they handed over
  EXPECT_EQ(order.back(), "50");
}

}  // namespace
}  // namespace tokenwarden::server::revocation
