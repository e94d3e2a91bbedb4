// File: base/unique_fd.h
// -----------------------------------------------------------------------------
// UniqueFd, the one owner of a POSIX file descriptor: whatever path a function leaves by, the
// descriptor it opened is closed exactly once. The outbound HTTPS client (sockets) and the
// revocation log (files, folders) each used to carry a class of their own for this.
#ifndef TOKENWARDEN_BASE_UNIQUE_FD_H_
#define TOKENWARDEN_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace tokenwarden::base {

// UniqueFd owns one file descriptor, or none (-1), and closes it when destroyed or reset.
// Move-only. close() errors are not reported: callers that need to know fsync first.
// Thread-safety: none; like an int, one owner at a time.
class UniqueFd {
 public:
  UniqueFd() = default;
  // UniqueFd takes `fd` as returned by open(), socket() and the like; -1 owns nothing.
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  // get returns the descriptor, still owned, or -1.
  int get() const { return fd_; }
  // valid reports whether a descriptor is owned.
  bool valid() const { return fd_ >= 0; }

  // Release gives up ownership without closing and returns the descriptor (or -1).
  [[nodiscard]] int Release() { return std::exchange(fd_, -1); }

  // Reset closes the owned descriptor, if any, and takes `fd` instead.
  void Reset(int fd = -1) {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) {
      close(old);
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_UNIQUE_FD_H_
