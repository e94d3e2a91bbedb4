#include "server/revocation/revocation_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include <absl/status/status.h>

#include "base/str_cat.h"
#include "base/unique_fd.h"
#include "server/revocation/record.h"

namespace tokenwarden::server::revocation {
namespace {

using base::StrCat;

constexpr std::string_view kHeader = "tokenwarden-revocations 1";
// A line longer than any record (record.h: kMaxRecordLen) is not ours, and reading stops there
// instead of buffering an unbounded line.
constexpr size_t kMaxLineLen = 128;
constexpr size_t kMinCompactLines = 1024;

absl::Status SysError(int err, const std::string& path, std::string_view what) {
  return absl::ErrnoToStatus(err, base::ToAbsl(StrCat("revocation log ", path, ": ", what)));
}

absl::Status LineError(const std::string& path, size_t line_no, std::string_view what) {
  return absl::DataLossError(base::ToAbsl(
      StrCat("revocation log ", path, ": line ", line_no, ": ", what, " (the file is damaged)")));
}

// WriteAll writes `data` to `fd`, retrying short writes; returns 0 or an errno value.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (n == 0) {
      return EIO;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// SyncFolder fsyncs the folder holding `path`, making a creation or rename in it durable.
int SyncFolder(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  base::UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return errno;
  }
  return fsync(fd.get()) == 0 ? 0 : errno;
}

// ReadLines calls `fn(line, line_no)` (1-based, without the '\n') for each complete line of
// `fd` and leaves in `tail` what follows the last '\n'. Lines are bounded by kMaxLineLen.
absl::Status ReadLines(int fd, const std::string& path,
                       const std::function<absl::Status(std::string_view, size_t)>& fn,
                       std::string& tail) {
  tail.clear();
  size_t line_no = 0;
  off_t offset = 0;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = pread(fd, chunk, sizeof(chunk), offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return SysError(errno, path, "read");
    }
    if (n == 0) {
      return absl::OkStatus();
    }
    offset += n;
    std::string_view data(chunk, static_cast<size_t>(n));
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      tail.append(data.substr(0, nl));
      if (tail.size() > kMaxLineLen) {
        return LineError(path, line_no + 1, StrCat("longer than ", kMaxLineLen, " bytes"));
      }
      if (nl == std::string_view::npos) {
        break;
      }
      data.remove_prefix(nl + 1);
      absl::Status s = fn(tail, ++line_no);
      if (!s.ok()) {
        return s;
      }
      tail.clear();
    }
  }
}

// Replayed is what Replay found in the file.
struct Replayed {
  bool header = false;  // the header line is complete
  uint64_t size = 0;    // bytes of complete lines
  size_t lines = 0;     // records
  size_t expired = 0;   // records not live at `now`
  std::string tail;     // a torn last line, if any
};

// Replay checks the header and every record of `fd` and adds the live ones to `denylist`.
absl::StatusOr<Replayed> Replay(int fd, const std::string& path, Denylist& denylist, int64_t now) {
  Replayed r;
  auto on_line = [&](std::string_view line, size_t line_no) -> absl::Status {
    r.size += line.size() + 1;
    if (line_no == 1) {
      if (line != kHeader) {
        return absl::FailedPreconditionError(base::ToAbsl(StrCat(
            "revocation log ", path, ": line 1 is not \"", kHeader, "\": not a revocation log")));
      }
      r.header = true;
      return absl::OkStatus();
    }
    Revocation rec;
    if (!ParseRecord(line, rec)) {
      return LineError(path, line_no,
                       "expected <64 lowercase hex digits> <expires_at> [<issued_until>]");
    }
    ++r.lines;
    if (rec.entry.expires_at <= now) {
      ++r.expired;
      return absl::OkStatus();
    }
    absl::Status s =
        denylist.Add(rec.key, rec.entry.expires_at, now, rec.entry.issued_until).status();
    if (absl::IsResourceExhausted(s)) {
      return absl::ResourceExhaustedError(base::ToAbsl(StrCat(
          "revocation log ", path, ": line ", line_no, ": the denylist is full (capacity ",
          denylist.capacity(), "): raise denylist.capacity to hold the durable revocations")));
    }
    if (!s.ok()) {
      return absl::Status(s.code(),
                          StrCat("revocation log ", path, ": line ", line_no, ": ", s.message()));
    }
    return absl::OkStatus();
  };
  absl::Status s = ReadLines(fd, path, on_line, r.tail);
  if (!s.ok()) {
    return s;
  }
  return r;
}

// Recover truncates a torn tail (or a torn header: then the file restarts empty) and writes
// the header into an empty file, syncing both the file and its folder.
absl::Status Recover(int fd, const std::string& path, Replayed& r, std::string* warnings) {
  if (!r.tail.empty()) {
    if (!r.header && !kHeader.starts_with(r.tail)) {
      return absl::FailedPreconditionError(base::ToAbsl(StrCat(
          "revocation log ", path, ": line 1 is not \"", kHeader, "\": not a revocation log")));
    }
    if (warnings != nullptr) {
      base::StrAppend(warnings, "revocation log ", path, ": ignoring a torn last line (",
                      r.tail.size(), " bytes, no newline) left by an interrupted write\n");
    }
    if (ftruncate(fd, static_cast<off_t>(r.size)) != 0) {
      return SysError(errno, path, "truncate the torn last line");
    }
    if (r.header && fsync(fd) != 0) {
      return SysError(errno, path, "fsync");
    }
  }
  if (r.header) {
    return absl::OkStatus();
  }
  const std::string header = StrCat(kHeader, "\n");
  if (int err = WriteAll(fd, header); err != 0) {
    return SysError(err, path, "write the header");
  }
  if (fsync(fd) != 0) {
    return SysError(errno, path, "fsync");
  }
  if (int err = SyncFolder(path); err != 0) {
    return SysError(err, path, "fsync its folder");
  }
  r.size = header.size();
  r.header = true;
  return absl::OkStatus();
}

// ReplaceFile writes `content` to a temporary file beside `path`, fsyncs and locks it, and
// renames it over `path`; on success `out_fd` is the new file (O_APPEND). The new file is
// complete and durable under its temporary name before it takes the log's name, so a crash
// leaves either the old log or the new one, never a mix. The caller fsyncs the folder.
absl::Status ReplaceFile(const std::string& path, std::string_view content, int& out_fd) {
  const std::string tmp = path + ".tmp";
  if (unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return SysError(errno, tmp, "remove a stale temporary file");
  }
  base::UniqueFd fd(open(tmp.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return SysError(errno, tmp, "create");
  }
  int err = WriteAll(fd.get(), content);
  if (err == 0 && fsync(fd.get()) != 0) {
    err = errno;
  }
  // Locked before it takes the log's name, so no other process ever finds it unlocked.
  if (err == 0 && flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    err = errno;
  }
  if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
  }
  if (err != 0) {
    unlink(tmp.c_str());
    return SysError(err, path, "compact");
  }
  out_fd = fd.Release();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RevocationLog>> RevocationLog::Open(const std::string& path,
                                                                   Denylist& denylist, int64_t now,
                                                                   std::string* warnings) {
  base::UniqueFd fd(open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return SysError(errno, path, "open");
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return SysError(errno, path, "stat");
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        base::ToAbsl(StrCat("revocation log ", path, ": not a regular file")));
  }
  // Two servers appending to one log would interleave and compact each other's lines away.
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          base::ToAbsl(StrCat("revocation log ", path, ": in use by another tokenwarden process")));
    }
    return SysError(errno, path, "lock");
  }
  absl::StatusOr<Replayed> replayed = Replay(fd.get(), path, denylist, now);
  if (!replayed.ok()) {
    return replayed.status();
  }
  absl::Status s = Recover(fd.get(), path, *replayed, warnings);
  if (!s.ok()) {
    return s;
  }
  std::unique_ptr<RevocationLog> log(
      new RevocationLog(path, fd.Release(), replayed->size, replayed->lines));
  if (replayed->expired > 0) {
    base::MutexLock lock(&log->mu_);
    s = log->Compact(denylist, now);
    if (!s.ok()) {
      return s;
    }
  }
  return log;
}

RevocationLog::RevocationLog(std::string path, int fd, uint64_t size, size_t lines)
    : path_(std::move(path)), fd_(fd), size_(size), lines_(lines) {}

RevocationLog::~RevocationLog() {
  base::MutexLock lock(&mu_);
  close(fd_);
}

absl::Status RevocationLog::Append(const Revocation& revocation) {
  return AppendAll(std::span<const Revocation>(&revocation, 1));
}

absl::Status RevocationLog::AppendAll(std::span<const Revocation> entries) {
  if (entries.empty()) {
    return absl::OkStatus();
  }
  std::string lines;
  lines.reserve((kMaxRecordLen + 1) * entries.size());
  for (const Revocation& e : entries) {
    AppendRecord(e, lines);
  }
  base::MutexLock lock(&mu_);
  if (!failed_.empty()) {
    return absl::FailedPreconditionError(base::ToAbsl(failed_));
  }
  // One write(): with O_APPEND the lines land whole at the end, or (disk full) partly.
  ssize_t n;
  do {
    n = write(fd_, lines.data(), lines.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(lines.size())) {
    const int err = n < 0 ? errno : ENOSPC;
    // Take a partial write back, or the next append would follow it on the same line.
    if (n > 0 && ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      failed_ = StrCat("revocation log ", path_, ": a partial line could not be removed");
    }
    return SysError(err, path_, "append");
  }
  // After a failed fsync the kernel may have dropped the dirty pages: nothing written since
  // can be trusted to be on disk, so the log stops accepting revocations.
  if (fdatasync(fd_) != 0) {
    const int err = errno;
    failed_ = StrCat("revocation log ", path_, ": an earlier fsync failed; restart to recover");
    return SysError(err, path_, "fsync");
  }
  size_ += lines.size();
  lines_ += entries.size();
  appended_.insert(appended_.end(), entries.begin(), entries.end());
  return absl::OkStatus();
}

absl::StatusOr<bool> RevocationLog::MaybeCompact(const Denylist& denylist, int64_t now) {
  base::MutexLock lock(&mu_);
  if (!failed_.empty()) {
    return absl::FailedPreconditionError(base::ToAbsl(failed_));
  }
  if (lines_ < kMinCompactLines) {
    return false;
  }
  size_t live = 0;
  denylist.ForEach(now, [&live](const Denylist::Key&, const Denylist::Entry&) { ++live; });
  if (lines_ <= 2 * live) {
    return false;
  }
  absl::Status s = Compact(denylist, now);
  if (!s.ok()) {
    return s;
  }
  return true;
}

absl::Status RevocationLog::Compact(const Denylist& denylist, int64_t now) {
  std::vector<Revocation> live;
  denylist.ForEach(now, [&live](const Denylist::Key& key, const Denylist::Entry& entry) {
    live.push_back(Revocation{key, entry});
  });
  for (const Revocation& r : appended_) {
    if (now < r.entry.expires_at) {
      live.push_back(r);
    }
  }
  // One line per key, with the latest of each time (what the denylist keeps on a re-add).
  std::sort(live.begin(), live.end(),
            [](const Revocation& a, const Revocation& b) { return a.key < b.key; });
  std::vector<Revocation> merged;
  merged.reserve(live.size());
  for (const Revocation& r : live) {
    if (!merged.empty() && merged.back().key == r.key) {
      Denylist::Entry& e = merged.back().entry;
      e.expires_at = std::max(e.expires_at, r.entry.expires_at);
      e.issued_until = std::max(e.issued_until, r.entry.issued_until);
    } else {
      merged.push_back(r);
    }
  }
  std::string content = StrCat(kHeader, "\n");
  content.reserve(content.size() + merged.size() * (kMaxRecordLen + 1));
  for (const Revocation& r : merged) {
    AppendRecord(r, content);
  }

  int new_fd = -1;
  absl::Status s = ReplaceFile(path_, content, new_fd);
  if (!s.ok()) {
    return s;
  }
  close(fd_);
  fd_ = new_fd;
  size_ = content.size();
  lines_ = merged.size();
  appended_.clear();
  if (int err = SyncFolder(path_); err != 0) {
    // The rename may not survive a crash, and appends now go to the new file.
    failed_ = StrCat("revocation log ", path_, ": compaction not durable; restart to recover");
    return SysError(err, path_, "fsync its folder after compaction");
  }
  return absl::OkStatus();
}

size_t RevocationLog::lines() const {
  base::MutexLock lock(&mu_);
  return lines_;
}

}  // namespace tokenwarden::server::revocation
