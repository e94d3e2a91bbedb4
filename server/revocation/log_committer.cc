#include "server/revocation/log_committer.h"

#include <utility>

namespace tokenwarden::server::revocation {

LogCommitter::LogCommitter(RevocationLog& log) : log_(log), thread_([this] { Run(); }) {}

LogCommitter::~LogCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LogCommitter::Commit(std::vector<Revocation> revocations, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(revocations), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("the revocation log is closing"));
}

void LogCommitter::Run() {
  std::vector<Pending> batch;
  std::vector<Revocation> records;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and everything handed over is committed
      }
      batch.swap(queue_);
    }
    // Everything that queued while the last fsync ran goes out with one write and one fsync.
    records.clear();
    for (const Pending& p : batch) {
      records.insert(records.end(), p.revocations.begin(), p.revocations.end());
    }
    const absl::Status status = log_.AppendAll(records);
    batches_.fetch_add(1, std::memory_order_relaxed);
    if (status.ok()) {
      committed_.fetch_add(records.size(), std::memory_order_relaxed);
    }
    for (Pending& p : batch) {
      p.done(status);
    }
    batch.clear();
  }
}

}  // namespace tokenwarden::server::revocation
