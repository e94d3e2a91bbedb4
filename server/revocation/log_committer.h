// File: server/revocation/log_committer.h
// -----------------------------------------------------------------------------
// LogCommitter makes revocations durable off the request loops. A route puts a revocation in
// effect (denylist) and hands it here; the committer's thread writes everything handed over
// since its last fsync with one write() and one fdatasync() (group commit), then tells each
// caller, who answers its client only then. A logout wave of a thousand revocations a second
// costs one fsync per batch, and no event loop ever waits for the disk.
// Thread-safety: Commit from any thread; `done` runs on the committer's thread.
#ifndef TOKENWARDEN_SERVER_REVOCATION_LOG_COMMITTER_H_
#define TOKENWARDEN_SERVER_REVOCATION_LOG_COMMITTER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <absl/status/status.h>

#include "server/revocation/record.h"
#include "server/revocation/revocation_log.h"

namespace tokenwarden::server::revocation {

class LogCommitter {
 public:
  using Done = std::function<void(const absl::Status&)>;

  explicit LogCommitter(RevocationLog& log);
  // Commits what is queued, then joins the thread; later Commits fail at once.
  ~LogCommitter();
  LogCommitter(const LogCommitter&) = delete;
  LogCommitter& operator=(const LogCommitter&) = delete;

  // Commit queues `revocations` for the next batch; `done` gets the batch's outcome.
  void Commit(std::vector<Revocation> revocations, Done done);

  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  uint64_t committed() const { return committed_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    std::vector<Revocation> revocations;
    Done done;
  };
  void Run();

  RevocationLog& log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> committed_{0};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace tokenwarden::server::revocation

#endif  // TOKENWARDEN_SERVER_REVOCATION_LOG_COMMITTER_H_
