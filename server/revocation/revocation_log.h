// File: server/revocation/revocation_log.h
// -----------------------------------------------------------------------------
// RevocationLog makes revocations durable: each one is appended as a line and fsynced before
// /revoke answers 200, the file is replayed into the denylist at start-up, and compacted
// (rewritten with only the live entries, atomically by rename) as entries expire.
//
// Format: a header line "tokenwarden-revocations 1", then one line per revocation, each a
// record (record.h): <64 hex digits: Denylist key> <expires_at> [<issued_until>]
// A torn last line (crash mid-append) is ignored with a warning; any other malformed line
// stops start-up (the file is ours; damage means something is wrong).
#ifndef TOKENWARDEN_SERVER_REVOCATION_REVOCATION_LOG_H_
#define TOKENWARDEN_SERVER_REVOCATION_REVOCATION_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <absl/base/thread_annotations.h>
#include <absl/status/statusor.h>

#include "base/mutex.h"
#include "core/denylist.h"
#include "server/revocation/record.h"

namespace tokenwarden::server::revocation {

// Thread-safety: all methods may be called concurrently (appends serialize on a mutex).
class RevocationLog {
 public:
  // Open opens or creates `path` (mode 0600), replays its live entries at `now` into
  // `denylist`, and compacts it if it holds expired entries. `warnings` receives one line per
  // recoverable problem (a torn tail).
  static absl::StatusOr<std::unique_ptr<RevocationLog>> Open(const std::string& path,
                                                             Denylist& denylist, int64_t now,
                                                             std::string* warnings);
  ~RevocationLog();

  // Append writes one revocation and fsyncs it; only then may the caller add it to the
  // denylist and answer. An error means it is not durable.
  absl::Status Append(const Revocation& revocation);
  // AppendAll writes several revocations with one write and one fsync (revocations learnt
  // from other instances through Redis arrive in batches).
  absl::Status AppendAll(std::span<const Revocation> revocations);

  // MaybeCompact rewrites the file with `denylist`'s live entries at `now` when the file has
  // more than twice as many lines as live entries (and at least 1024 lines): write a temporary
  // file, fsync it, rename over the log, fsync the folder. Returns whether it compacted.
  absl::StatusOr<bool> MaybeCompact(const Denylist& denylist, int64_t now);

  size_t lines() const;  // records in the file now

 private:
  RevocationLog(std::string path, int fd, uint64_t size, size_t lines);

  // Compact rewrites the file with the live entries of `denylist` and of `appended_` at `now`
  // (see MaybeCompact) and switches fd_ to it.
  absl::Status Compact(const Denylist& denylist, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable base::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);         // O_APPEND; holds an exclusive flock
  uint64_t size_ ABSL_GUARDED_BY(mu_);  // bytes in the file, all whole lines
  size_t lines_ ABSL_GUARDED_BY(mu_);   // records (the header is not one)
  // Records appended since the last compaction. The caller adds a record to the denylist only
  // after Append returns, so a compaction in between would not see it there: it takes these
  // too, and no durable revocation is dropped.
  std::vector<Revocation> appended_ ABSL_GUARDED_BY(mu_);
  // Set when the file may hold a partial line or unsynced data we cannot take back (a failed
  // fsync or truncate): every later Append then fails, rather than write after the damage.
  std::string failed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenwarden::server::revocation

#endif  // TOKENWARDEN_SERVER_REVOCATION_REVOCATION_LOG_H_
