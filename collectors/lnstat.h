// lnstat collector: the per-CPU network cache counters of every file in
// /proc/net/stat (arp_cache, ndisc_cache, nf_conntrack, rt_cache, ...), as
// lnstat(8) shows them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct LnstatColumn {
  std::string name;             // the header's name
  std::vector<uint64_t> values;  // one per CPU line, in order
};

// A /proc/net/stat file: a header line of column names, then one line of
// hexadecimal values per CPU. A value that is not hex, or beyond the
// header's columns, is appended to `skipped` with the rest of its line,
// whose earlier values are kept (the CPU numbering is each column's count).
// A name repeated in the header shares one column, as in procfs.
std::vector<LnstatColumn> ParseLnstat(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewLnstatCollector(const Paths& paths);

}  // namespace node_agent
