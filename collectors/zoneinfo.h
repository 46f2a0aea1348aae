// zoneinfo collector: per node and zone page counts from /proc/zoneinfo as
// node_zoneinfo_*, the fields prometheus/procfs's Zoneinfo maps.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The zoneinfo fields node_exporter exports, in its (procfs struct) order.
inline constexpr size_t kZoneinfoFieldCount = 34;

struct ZoneinfoBlock {
  std::string node;
  std::string zone;
  // Indexed like the field table in zoneinfo.cc; nullopt when absent.
  std::optional<int64_t> fields[kZoneinfoFieldCount];
  std::vector<int64_t> protection;
};

// Splits /proc/zoneinfo at each "\nNode" (so the per-node stats printed in a
// node's first zone count for that zone, as in procfs) and reads each
// block's known fields and protection array. Values that are not integers go
// to `skipped`.
std::vector<ZoneinfoBlock> ParseZoneinfo(std::string_view content, std::vector<std::string>& skipped);

// Go's strconv.ParseInt(s, 0, 64): decimal, 0x hex, 0o/0 octal, 0b binary.
std::optional<int64_t> ParseIntBase0(std::string_view s);

std::unique_ptr<Collector> NewZoneinfoCollector(const Paths& paths);

}  // namespace node_agent
