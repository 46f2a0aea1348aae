// stat collector: kernel/system statistics from /proc/stat (interrupts,
// context switches, forks, boot time, runnable/blocked processes) and, with
// --collector.stat.softirq, softirq calls per vector.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// Softirq vectors in /proc/stat's "softirq" line order (after the total).
inline constexpr std::array<std::string_view, 10> kSoftirqVectors = {
    "hi", "timer", "net_tx", "net_rx", "block", "block_iopoll", "tasklet", "sched", "hrtimer", "rcu"};

struct ProcStat {
  std::optional<uint64_t> intr_total;     // "intr": the first number only
  std::optional<uint64_t> context_switches;  // "ctxt"
  std::optional<uint64_t> boot_time;      // "btime"
  std::optional<uint64_t> forks;          // "processes"
  std::optional<uint64_t> procs_running;
  std::optional<uint64_t> procs_blocked;
  std::optional<std::array<uint64_t, 10>> softirq;  // per vector, kSoftirqVectors order
  // Names of the lines above that could not be parsed.
  std::vector<std::string> malformed;
};

// Parses the lines of /proc/stat the collector needs; cpu lines and unknown
// lines are skipped without being tokenised.
ProcStat ParseProcStat(std::string_view content);

struct StatOptions {
  bool softirq = false;  // --collector.stat.softirq
};

std::unique_ptr<Collector> NewStatCollector(const Paths& paths, const StatOptions& options);

}  // namespace node_agent
