// conntrack collector: nf_conntrack table size and limit from
// /proc/sys/net/netfilter, and the per-CPU counters of
// /proc/net/stat/nf_conntrack summed over CPUs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The counters node_exporter exports, summed over the file's CPU lines.
struct ConntrackStats {
  uint64_t found = 0;
  uint64_t invalid = 0;
  uint64_t ignore = 0;
  uint64_t insert = 0;
  uint64_t insert_failed = 0;
  uint64_t drop = 0;
  uint64_t early_drop = 0;
  uint64_t search_restart = 0;
};

// /proc/net/stat/nf_conntrack: a header line, then one line per CPU of 16 or
// 17 hexadecimal fields in the kernel's fixed order (search_restart is the
// 17th, absent before Linux 2.6.35). A line of any other shape is appended
// to `skipped` and left out of the sums.
ConntrackStats ParseConntrackStat(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewConntrackCollector(const Paths& paths);

}  // namespace node_agent
