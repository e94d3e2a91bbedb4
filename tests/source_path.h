// File: tests/source_path.h
// -----------------------------------------------------------------------------
// SourcePath: a file of this checkout, for the test, fuzz and benchmark executables that read
// data from the source tree (fixtures, example configurations, test vectors).
//
// The way there is found from the running executable's own place: its compile command names
// only the path from the executable's build directory up to the checkout (TW_EXE_TO_SOURCE,
// set by tw_source_path in cmake/SourcePath.cmake, "../../.." say), never the checkout's
// absolute path. An absolute path in a -D definition is part of every compile command of the
// target, so each clone at another place missed ccache on all of that target's sources
// (ccache's base directory rewrites include paths, not macro values).
#ifndef TOKENWARDEN_TESTS_SOURCE_PATH_H_
#define TOKENWARDEN_TESTS_SOURCE_PATH_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#ifndef TW_EXE_TO_SOURCE
#error "TW_EXE_TO_SOURCE is unset: call tw_source_path(<target>) (cmake/SourcePath.cmake)"
#endif

namespace tokenwarden {

// SourcePath returns `relative` (a path inside the checkout, "examples/serve") as an absolute
// path. Aborts when the executable cannot find its own place: a test must not go on against
// files that are not there.
inline std::string SourcePath(std::string_view relative) {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::fprintf(stderr, "SourcePath: /proc/self/exe: %s\n", ec.message().c_str());
    std::abort();
  }
  return (exe.parent_path() / TW_EXE_TO_SOURCE / relative).lexically_normal().string();
}

}  // namespace tokenwarden

#endif  // TOKENWARDEN_TESTS_SOURCE_PATH_H_
