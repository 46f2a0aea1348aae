// process_* metrics about the agent itself, with the names client_golang's
// process collector gives node_exporter's own process. Not a registered
// collector: it always reads the real /proc/self, never --path.procfs.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

struct ProcSelfStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t start_time_ticks = 0;  // since boot
  uint64_t vsize_bytes = 0;
  uint64_t rss_pages = 0;
};

// Parses /proc/<pid>/stat. The command name may hold spaces and ')', so the
// fields are counted from the last ')'.
std::optional<ProcSelfStat> ParseProcPidStat(std::string_view content);

// `proc_root` is where /proc is mounted (tests pass a fixture).
std::unique_ptr<Collector> NewProcessSelfCollector(std::string proc_root = "/proc");

}  // namespace node_agent
