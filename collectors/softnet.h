// softnet collector: per-CPU packet processing counters from
// /proc/net/softnet_stat.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct SoftnetStat {
  uint32_t processed = 0;
  uint32_t dropped = 0;
  uint32_t time_squeezed = 0;
  uint32_t cpu_collision = 0;
  uint32_t received_rps = 0;
  uint32_t flow_limit_count = 0;
  uint32_t backlog_len = 0;
  // The CPU: the 13th column since Linux 5.14, else the line's position.
  uint32_t index = 0;
};

// One line per CPU of hexadecimal 32-bit columns, at least 9 (the column set
// grew with the kernel: received_rps at 10, flow_limit_count at 11,
// backlog_len and the CPU index at 13). A line with fewer columns or a
// column that is not a 32-bit hex number is appended to `skipped`; it still
// takes its place in the position-based CPU numbering.
std::vector<SoftnetStat> ParseSoftnet(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewSoftnetCollector(const Paths& paths);

}  // namespace node_agent
