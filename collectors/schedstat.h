// schedstat collector: per-CPU scheduler statistics (running and waiting
// time, timeslices) from /proc/schedstat.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct SchedstatCpu {
  std::string cpu;  // the N of "cpuN"
  uint64_t running_ns = 0;
  uint64_t waiting_ns = 0;
  uint64_t timeslices = 0;
};

// The "cpuN" lines of /proc/schedstat, as procfs reads them: a line counts
// when it holds "cpuN" followed by nine numbers separated by single spaces
// (anywhere in the line); running, waiting and timeslices are the last three
// of those. Other lines (version, timestamp, domainN) are ignored; a cpu line
// whose numbers overflow 64 bits is appended to `skipped`.
std::vector<SchedstatCpu> ParseSchedstat(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewSchedstatCollector(const Paths& paths);

}  // namespace node_agent
