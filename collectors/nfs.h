// nfs collector: NFS client RPC statistics from /proc/net/rpc/nfs, as
// node_exporter's collector/nfs_linux.go with prometheus/procfs
// nfs/parse_nfs.go.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// A line that is absent leaves its counters 0, as in procfs.
struct NfsClientStats {
  std::array<uint64_t, 4> net{};        // netcnt udpcnt tcpcnt tcpconn
  std::array<uint64_t, 3> rpc{};        // calls retrans authrefresh
  std::array<uint64_t, 18> proc2{};     // kNfsV2Procedures order
  std::array<uint64_t, 22> proc3{};     // kNfsV3Procedures order
  std::array<uint64_t, 59> proc4{};     // kNfsV4ClientProcedures order
};

// procfs's ClientV4Stats names in the kernel's order of the proc4 line;
// older kernels print fewer (the rest stay 0).
extern const std::array<std::string_view, 59> kNfsV4ClientProcedures;

// Parses /proc/net/rpc/nfs. A line that is malformed (not numbers, wrong
// count, unknown key) is appended to `skipped` and left out.
NfsClientStats ParseNfsClientStats(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewNfsCollector(const Paths& paths);

}  // namespace node_agent
