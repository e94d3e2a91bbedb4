// base/read_file.h: files are read whole within their bound, and every failure says why in
// the system's words.
#include "base/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

#include "base/str_cat.h"

namespace tokenwarden::base {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = StrCat(::testing::TempDir(), "tw_read_file_", getpid());
    ::mkdir(dir_.c_str(), 0700);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Write(std::string_view name, std::string_view contents) {
    const std::string path = StrCat(dir_, "/", name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::string dir_;
};

TEST_F(ReadFileTest, ReadsAWholeFile) {
  const std::string contents(200000, 'x');  // several read() calls
  std::string out, why;
  ASSERT_TRUE(ReadBoundedFile(Write("a", contents), 1 << 20, out, why)) << why;
  EXPECT_EQ(out, contents);
  ASSERT_TRUE(ReadBoundedFile(Write("empty", ""), 10, out, why)) << why;
  EXPECT_EQ(out, "");
}

// "cannot read FILE" is only actionable with the reason: the errno text of open().
TEST_F(ReadFileTest, SaysWhyWithTheErrnoText) {
  std::string out, why;
  EXPECT_FALSE(ReadBoundedFile(StrCat(dir_, "/missing"), 100, out, why));
  EXPECT_EQ(why, "No such file or directory");
  const std::string file = Write("file", "x");
  EXPECT_FALSE(ReadBoundedFile(StrCat(file, "/below"), 100, out, why));
  EXPECT_EQ(why, "Not a directory");
  EXPECT_FALSE(ReadBoundedFile(dir_, 100, out, why));
  EXPECT_EQ(why, "is a directory");
  if (geteuid() != 0) {  // root reads a file whatever its mode says
    ASSERT_EQ(::chmod(file.c_str(), 0), 0);
    EXPECT_FALSE(ReadBoundedFile(file, 100, out, why));
    EXPECT_EQ(why, "Permission denied");
  }
}

TEST_F(ReadFileTest, RefusesFilesOverTheBound) {
  std::string out, why;
  const std::string path = Write("big", std::string(101, 'x'));
  EXPECT_TRUE(ReadBoundedFile(path, 101, out, why)) << why;
  EXPECT_FALSE(ReadBoundedFile(path, 100, out, why));
  EXPECT_EQ(why, "larger than 100 bytes");
  const std::string mib = Write("mib", std::string((1 << 20) + 1, 'x'));
  EXPECT_FALSE(ReadBoundedFile(mib, 1 << 20, out, why));
  EXPECT_EQ(why, "larger than 1 MiB");
}

// A server never blocks on a FIFO; a command may read one (`--key <(...)`) to its end.
TEST_F(ReadFileTest, ReadsPipesOnlyWhenAsked) {
  const std::string fifo = StrCat(dir_, "/fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string out, why;
  EXPECT_FALSE(ReadBoundedFile(fifo, 100, out, why));
  EXPECT_EQ(why, "not a regular file");

  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << "{\"keys\":[]}"; });
  const bool read = ReadBoundedFile(fifo, 100, out, why, FileKinds::kStreamsToo);
  writer.join();
  ASSERT_TRUE(read) << why;
  EXPECT_EQ(out, "{\"keys\":[]}");
}

}  // namespace
}  // namespace tokenwarden::base
