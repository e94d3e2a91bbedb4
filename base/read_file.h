// File: base/read_file.h
// -----------------------------------------------------------------------------
// ReadBoundedFile, the one way a file a user names is read: the configuration and every file
// it names (JWK Sets, CA bundles, secrets) and `verify`'s key files. A failure says why in
// the system's own words (strerror: "No such file or directory", "Permission denied"), since
// that is what a user can act on; the caller names the file.
#ifndef TOKENWARDEN_BASE_READ_FILE_H_
#define TOKENWARDEN_BASE_READ_FILE_H_

#include <cstddef>
#include <string>

namespace tokenwarden::base {

// FileKinds says which kinds of file a reader accepts besides regular files.
enum class FileKinds {
  // kRegularOnly refuses anything else without blocking: a server must never wait on a FIFO.
  kRegularOnly,
  // kStreamsToo also reads pipes and character devices to their end (a command's
  // `--key <(...)` or `/dev/stdin`); only directories are refused.
  kStreamsToo,
};

// ReadBoundedFile reads the file `path` into `out`, at most `max_bytes`. On failure it
// returns false with `why` set: the strerror text of open() or read(), "is a directory",
// "not a regular file", or "larger than N MiB" / "larger than N bytes".
bool ReadBoundedFile(const std::string& path, size_t max_bytes, std::string& out, std::string& why,
                     FileKinds kinds = FileKinds::kRegularOnly);

}  // namespace tokenwarden::base

#endif  // TOKENWARDEN_BASE_READ_FILE_H_
