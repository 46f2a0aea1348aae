// buddyinfo collector: free blocks per node, zone and order from
// /proc/buddyinfo as node_buddyinfo_blocks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct BuddyinfoZone {
  std::string node;
  std::string zone;
  std::vector<double> sizes;  // free blocks of order 0, 1, ...
};

// "Node 0, zone   Normal   4381 1093 ..." lines. A line with fewer than four
// fields, a value that is not a number, or a different number of orders
// than the first line goes to `skipped`.
std::vector<BuddyinfoZone> ParseBuddyinfo(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewBuddyinfoCollector(const Paths& paths);

}  // namespace node_agent
