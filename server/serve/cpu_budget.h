// File: server/serve/cpu_budget.h
// -----------------------------------------------------------------------------
// UsableCpus is the number of CPUs this process may actually run on — what `workers: 0`
// means. std::thread::hardware_concurrency counts the machine's CPUs, which in a container
// with a CPU limit (Kubernetes `resources.limits.cpu`) is too many: extra event loops only
// contend for the same quota. It takes the smallest of
//   - the CPUs in the scheduler affinity mask (taskset, cpuset cgroups);
//   - the CFS quota, rounded up: cgroup v2 `cpu.max` ("<quota> <period>" or "max <period>")
//     of the process's cgroup, else cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`.
// Always at least 1.
#ifndef TOKENWARDEN_SERVER_SERVE_CPU_BUDGET_H_
#define TOKENWARDEN_SERVER_SERVE_CPU_BUDGET_H_

#include <optional>
#include <string>
#include <string_view>

namespace tokenwarden::server {

int UsableCpus();

// CgroupCpuLimit reads the quota under `cgroup_root` (normally /sys/fs/cgroup) for a process
// whose /proc/self/cgroup reads `self_cgroup`: CPUs, rounded up, or nullopt without a limit.
std::optional<int> CgroupCpuLimit(const std::string& cgroup_root, std::string_view self_cgroup);

}  // namespace tokenwarden::server

#endif  // TOKENWARDEN_SERVER_SERVE_CPU_BUDGET_H_
