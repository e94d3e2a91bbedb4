// File: tests/server/cli/temp_file.h
// -----------------------------------------------------------------------------
// WriteTemp, for the cli tests that hand a command a key file.
#ifndef TOKENWARDEN_TESTS_SERVER_CLI_TEMP_FILE_H_
#define TOKENWARDEN_TESTS_SERVER_CLI_TEMP_FILE_H_

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/str_cat.h"

namespace tokenwarden::testing {

// WriteTemp writes `contents` to a fresh file under the test temp dir and returns its path.
inline std::string WriteTemp(std::string_view contents, std::string_view suffix) {
  static std::atomic<int> counter{0};
  const std::string path =
      base::StrCat(::testing::TempDir(), "tw_cli_", getpid(), "_", counter.fetch_add(1), suffix);
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  EXPECT_TRUE(out.good()) << path;
  return path;
}

}  // namespace tokenwarden::testing

#endif  // TOKENWARDEN_TESTS_SERVER_CLI_TEMP_FILE_H_
