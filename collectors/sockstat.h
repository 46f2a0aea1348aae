// sockstat collector: /proc/net/sockstat and /proc/net/sockstat6 as
// node_sockstat_<PROTO>_<field> gauges, as node_exporter's sockstat_linux.go
// (with prometheus/procfs's parser).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct SockstatProtocol {
  std::string protocol;  // "TCP", "UDP6", "FRAG", ...
  int64_t inuse = 0;     // always exported, 0 when the line lacks it (procfs)
  std::optional<int64_t> orphan;
  std::optional<int64_t> tw;
  std::optional<int64_t> alloc;
  std::optional<int64_t> mem;     // pages
  std::optional<int64_t> memory;  // bytes (FRAG lines)
};

struct Sockstat {
  std::optional<int64_t> used;  // "sockets: used N", IPv4 file only
  std::vector<SockstatProtocol> protocols;
};

// Parses sockstat or sockstat6: "PROTO: key value key value ...". A line with
// an odd number of key/value fields or a non-integer value is skipped and
// described in `problems`.
Sockstat ParseSockstat(std::string_view content, std::vector<std::string>* problems = nullptr);

// `page_size` converts mem (pages) to mem_bytes; 0 means the system's.
std::unique_ptr<Collector> NewSockstatCollector(const Paths& paths, long page_size = 0);

}  // namespace node_agent
