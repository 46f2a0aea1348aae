// nfsd collector: NFS server RPC statistics from /proc/net/rpc/nfsd, as
// node_exporter's collector/nfsd_linux.go with prometheus/procfs
// nfs/parse_nfsd.go.
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
struct NfsdStats {
  std::array<uint64_t, 3> rc{};     // hits misses nocache
  std::array<uint64_t, 5> fh{};     // stale total_lookups anon_lookups dir_nocache nodir_nocache
  std::array<uint64_t, 2> io{};     // read write
  std::array<uint64_t, 2> th{};     // threads fullcnt
  std::array<uint64_t, 12> ra{};    // cache_size histogram[10] not_found
  std::array<uint64_t, 4> net{};    // netcnt udpcnt tcpcnt tcpconn
  std::array<uint64_t, 5> rpc{};    // calls badcnt badfmt badauth badclnt
  std::array<uint64_t, 18> proc2{};
  std::array<uint64_t, 22> proc3{};
  std::array<uint64_t, 40> proc4ops{};  // operations 0..39 (RELEASE_LOCKOWNER is 39)
  uint64_t wdeleg_getattr = 0;
};

// Parses /proc/net/rpc/nfsd. A line that is malformed (not numbers, wrong
// count, unknown key) is appended to `skipped` and left out.
NfsdStats ParseNfsdStats(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewNfsdCollector(const Paths& paths);

}  // namespace node_agent
