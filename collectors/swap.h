// swap collector: per-device swap size, use and priority from /proc/swaps, as
// node_exporter's collector/swap_linux.go with prometheus/procfs swaps.go.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct SwapEntry {
  std::string filename;  // as the kernel prints it (spaces etc. escaped)
  std::string type;      // partition, file
  int64_t size_kib = 0, used_kib = 0, priority = 0;
};

// Parses /proc/swaps after its header line. A line with fewer than five
// fields or non-integer size/used/priority is appended to `skipped` and left out.
std::vector<SwapEntry> ParseSwaps(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewSwapCollector(const Paths& paths);

}  // namespace node_agent
