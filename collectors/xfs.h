// xfs collector: per-filesystem XFS statistics from
// /sys/fs/xfs/<device>/stats/stats, as node_exporter's collector/xfs_linux.go
// with prometheus/procfs xfs/parse.go.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The stats lines node_exporter exports, in the kernel's field order.
enum XfsGroup { kXfsExtentAlloc, kXfsAbt, kXfsBlkMap, kXfsBmbt, kXfsDir, kXfsIg, kXfsRw, kXfsVnodes, kXfsGroups };

// One filesystem's counters; a line that is absent leaves its counters 0, as
// in procfs.
struct XfsStats {
  std::array<std::array<uint32_t, 8>, kXfsGroups> values{};
};

// Parses a stats file. A line of an exported group whose field count or
// values (unsigned 32-bit, as procfs reads them) are wrong is appended to
// `skipped` and left out; lines of other groups are ignored.
XfsStats ParseXfsStats(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewXfsCollector(const Paths& paths);

}  // namespace node_agent
