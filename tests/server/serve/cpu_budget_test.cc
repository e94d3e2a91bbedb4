// CgroupCpuLimit: `workers: 0` follows a container's CPU limit (server/serve/cpu_budget.h).
#include "server/serve/cpu_budget.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

namespace tokenwarden::server {
namespace {

class CpuBudgetTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir() + "tw_cpu_budget_" + std::to_string(getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  void Write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root_ + path).parent_path());
    std::ofstream(root_ + path) << text;
  }
  std::string root_;
};

TEST_F(CpuBudgetTest, CgroupV2QuotaOfTheOwnCgroupRoundsUp) {
  Write("/kubepods/pod1/cpu.max", "150000 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/kubepods/pod1\n"), 2);
  Write("/kubepods/pod1/cpu.max", "50000 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/kubepods/pod1\n"), 1);
  Write("/kubepods/pod1/cpu.max", "400000 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/kubepods/pod1\n"), 4);
}

TEST_F(CpuBudgetTest, CgroupV2InItsOwnNamespaceReadsTheRoot) {
  Write("/cpu.max", "200000 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/\n"), 2);
}

TEST_F(CpuBudgetTest, CgroupV2WithoutLimit) {
  Write("/cpu.max", "max 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/\n"), std::nullopt);
}

TEST_F(CpuBudgetTest, CgroupV1Quota) {
  Write("/cpu/docker/abc/cpu.cfs_quota_us", "250000\n");
  Write("/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n"), 3);
}

TEST_F(CpuBudgetTest, CgroupV1WithoutLimit) {
  Write("/cpu/cpu.cfs_quota_us", "-1\n");
  Write("/cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "1:cpu:/\n0::/\n"), std::nullopt);
}

TEST_F(CpuBudgetTest, NothingReadableMeansNoLimit) {
  EXPECT_EQ(CgroupCpuLimit(root_, ""), std::nullopt);
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/x\n"), std::nullopt);
  Write("/cpu.max", "garbage\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/\n"), std::nullopt);
  Write("/cpu.max", "12x 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root_, "0::/\n"), std::nullopt);
}

TEST(UsableCpusTest, AtLeastOneAndNoMoreThanTheMachine) {
  const int cpus = UsableCpus();
  EXPECT_GE(cpus, 1);
  EXPECT_LE(cpus, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace tokenwarden::server
