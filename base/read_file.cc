#include "base/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "base/str_cat.h"
#include "base/unique_fd.h"

namespace tokenwarden::base {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

// KindProblem says why a file of mode `mode` is not read, or "" when it is.
std::string_view KindProblem(mode_t mode, FileKinds kinds) {
  if (S_ISREG(mode)) {
    return {};
  }
  if (S_ISDIR(mode)) {
    return "is a directory";
  }
  const bool stream = S_ISFIFO(mode) || S_ISCHR(mode);
  return kinds == FileKinds::kStreamsToo && stream ? std::string_view() : "not a regular file";
}

}  // namespace

bool ReadBoundedFile(const std::string& path, size_t max_bytes, std::string& out, std::string& why,
                     FileKinds kinds) {
  // O_NONBLOCK for regular files only: opening a FIFO must not wait for a writer (it is
  // refused below anyway). Streams are read as they come, blocking.
  const int flags = O_RDONLY | O_CLOEXEC | (kinds == FileKinds::kRegularOnly ? O_NONBLOCK : 0);
  const UniqueFd fd(open(path.c_str(), flags));
  if (!fd.valid()) {
    why = ErrnoText(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    why = ErrnoText(errno);
    return false;
  }
  if (const std::string_view problem = KindProblem(st.st_mode, kinds); !problem.empty()) {
    why = problem;
    return false;
  }
  out.clear();
  while (true) {
    const size_t used = out.size();
    out.resize(used + 65536);
    const ssize_t n = read(fd.get(), out.data() + used, out.size() - used);
    out.resize(used + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      why = ErrnoText(errno);
      return false;
    }
    if (out.size() > max_bytes) {
      why = max_bytes >= (size_t{1} << 20) ? StrCat("larger than ", max_bytes >> 20, " MiB")
                                           : StrCat("larger than ", max_bytes, " bytes");
      return false;
    }
    if (n == 0) {
      return true;
    }
  }
}

}  // namespace tokenwarden::base
