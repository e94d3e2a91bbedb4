#include "server/serve/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <thread>

namespace tokenwarden::server {
namespace {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::string text;
  std::getline(in, text);
  return text;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<int> CpusOf(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) {
    return std::nullopt;  // -1 (v1) means no limit
  }
  return static_cast<int>(std::max<int64_t>(1, (quota + period - 1) / period));
}

// CgroupPath returns the path in /proc/self/cgroup's line for `controller` ("" = the v2
// unified line "0::/path").
std::optional<std::string> CgroupPath(std::string_view self_cgroup, std::string_view controller) {
  std::istringstream lines{std::string(self_cgroup)};
  for (std::string line; std::getline(lines, line);) {
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) {
      continue;
    }
    const std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    bool match = controller.empty() ? controllers.empty() : false;
    for (size_t start = 0; !controller.empty() && start <= controllers.size();) {
      const size_t comma = std::min(controllers.find(',', start), controllers.size());
      match = match || controllers.substr(start, comma - start) == controller;
      start = comma + 1;
    }
    if (match) {
      return line.substr(b + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> CgroupCpuLimit(const std::string& cgroup_root, std::string_view self_cgroup) {
  // cgroup v2: the process's own cgroup, then the root (a container's namespace shows "/").
  if (std::optional<std::string> path = CgroupPath(self_cgroup, "")) {
    for (const std::string& dir : {cgroup_root + *path, cgroup_root}) {
      if (std::optional<std::string> max = ReadSmallFile(dir + "/cpu.max")) {
        const size_t space = max->find(' ');
        if (space == std::string::npos) {
          continue;
        }
        const std::string_view quota = std::string_view(*max).substr(0, space);
        if (quota == "max") {
          return std::nullopt;
        }
        const std::optional<int64_t> q = ParseInt(quota);
        const std::optional<int64_t> p = ParseInt(std::string_view(*max).substr(space + 1));
        if (q.has_value() && p.has_value()) {
          return CpusOf(*q, *p);
        }
      }
    }
  }
  // cgroup v1: the cpu controller's hierarchy.
  const std::optional<std::string> path = CgroupPath(self_cgroup, "cpu");
  for (const std::string& dir : {cgroup_root + "/cpu" + path.value_or("/"), cgroup_root + "/cpu"}) {
    const std::optional<std::string> quota = ReadSmallFile(dir + "/cpu.cfs_quota_us");
    const std::optional<std::string> period = ReadSmallFile(dir + "/cpu.cfs_period_us");
    if (quota.has_value() && period.has_value()) {
      const std::optional<int64_t> q = ParseInt(*quota);
      const std::optional<int64_t> p = ParseInt(*period);
      if (q.has_value() && p.has_value()) {
        return CpusOf(*q, *p);
      }
    }
  }
  return std::nullopt;
}

int UsableCpus() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    cpus = std::min(cpus, CPU_COUNT(&set));
  }
  std::string self_cgroup;
  {
    std::ifstream in("/proc/self/cgroup");
    std::ostringstream text;
    text << in.rdbuf();
    self_cgroup = text.str();
  }
  if (std::optional<int> limit = CgroupCpuLimit("/sys/fs/cgroup", self_cgroup)) {
    cpus = std::min(cpus, *limit);
  }
  return std::max(1, cpus);
}

}  // namespace tokenwarden::server
