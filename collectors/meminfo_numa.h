// meminfo_numa collector: per NUMA node memory and allocation counters from
// sysfs devices/system/node/nodeN/{meminfo,numastat} as node_memory_numa_*.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct NumaMemValue {
  std::string metric;  // "MemTotal", "Active_anon", "numa_hit_total"
  std::string node;    // the node label
  double value = 0;
};

// nodeN/meminfo: "Node 0 MemTotal: 1024 kB" lines; kB values become bytes,
// "Active(anon)" becomes "Active_anon", the node label is the file's own
// second field. Lines that do not parse go to `skipped`.
std::vector<NumaMemValue> ParseNumaMeminfo(std::string_view content, std::vector<std::string>& skipped);

// nodeN/numastat: "numa_hit 123" lines, each named NAME_total, labelled `node`.
std::vector<NumaMemValue> ParseNumastat(std::string_view content, std::string_view node,
                                        std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewMeminfoNumaCollector(const Paths& paths);

}  // namespace node_agent
