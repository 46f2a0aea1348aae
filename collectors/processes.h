// processes collector: process and thread counts by state, PIDs in use and
// the kernel's limits, from /proc/<pid>/stat, /proc/<pid>/task/<tid>/stat and
// /proc/sys/kernel/{threads-max,pid_max}.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

struct PidStatState {
  std::string state;        // field 3, e.g. "S"
  int64_t num_threads = 0;  // field 20
};

// Parses /proc/<pid>/stat as procfs does: the command name runs from the first
// '(' to the last ')', and fields 3 to 44 of proc(5) must follow it, integers
// where proc(5) has them (signed or unsigned as procfs scans them). nullopt
// otherwise.
std::optional<PidStatState> ParsePidStatState(std::string_view content);

// A number file such as /proc/sys/kernel/pid_max: one unsigned decimal,
// surrounding whitespace allowed.
std::optional<uint64_t> ParseProcUint(std::string_view content);

std::unique_ptr<Collector> NewProcessesCollector(const Paths& paths);

}  // namespace node_agent
