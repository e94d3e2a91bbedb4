// base/unique_fd.h: the descriptor is closed exactly once, by whoever owns it last.
#include "base/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <gtest/gtest.h>

namespace tokenwarden::base {
namespace {

// IsOpen reports whether `fd` is an open descriptor of this process. The suite runs on one
// thread, so no other test can reuse a number between a close and this check.
bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

int OpenNull() {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  return fd;
}

TEST(UniqueFdTest, DefaultOwnsNothing) {
  UniqueFd fd;
  EXPECT_EQ(fd.get(), -1);
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.Release(), -1);
}

TEST(UniqueFdTest, ClosesWhenDestroyed) {
  const int raw = OpenNull();
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, ReleaseKeepsTheDescriptorOpen) {
  const int raw = OpenNull();
  int released = -1;
  {
    UniqueFd fd(raw);
    released = fd.Release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, raw);
  EXPECT_TRUE(IsOpen(raw));
  close(raw);
}

TEST(UniqueFdTest, ResetClosesTheOldDescriptor) {
  const int first = OpenNull();
  const int second = OpenNull();
  UniqueFd fd(first);
  fd.Reset(second);
  EXPECT_FALSE(IsOpen(first));
  EXPECT_EQ(fd.get(), second);
  fd.Reset();
  EXPECT_FALSE(IsOpen(second));
  EXPECT_FALSE(fd.valid());
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  const int raw = OpenNull();
  UniqueFd from(raw);
  UniqueFd to(std::move(from));
  EXPECT_EQ(to.get(), raw);
  EXPECT_FALSE(from.valid());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  EXPECT_TRUE(IsOpen(raw));
}

TEST(UniqueFdTest, MoveAssignmentClosesWhatTheTargetHeld) {
  const int held = OpenNull();
  const int moved = OpenNull();
  UniqueFd target(held);
  UniqueFd source(moved);
  target = std::move(source);
  EXPECT_FALSE(IsOpen(held));
  EXPECT_EQ(target.get(), moved);
  EXPECT_TRUE(IsOpen(moved));
  target = UniqueFd();
  EXPECT_FALSE(IsOpen(moved));
}

}  // namespace
}  // namespace tokenwarden::base
