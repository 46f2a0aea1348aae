// meminfo collector: /proc/meminfo as node_memory_*, named as node_exporter
// 1.12 names them (it maps prometheus/procfs's Meminfo struct field by field).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct MeminfoValue {
  std::string_view metric;  // e.g. "MemTotal_bytes", "HugePages_Total"; static storage
  double value = 0;
};

struct Meminfo {
  // Fields node_exporter 1.12 exports, in file order. Fields it does not map
  // (Hugetlb, KReclaimable, ...) are left out, as it leaves them out.
  std::vector<MeminfoValue> values;
  // Lines that could not be parsed (wrong field count, unit or number).
  std::vector<std::string> malformed;
};

// Parses /proc/meminfo. Values with a "kB" unit become bytes; the
// HugePages_* counts are pages and keep their value and name.
Meminfo ParseMeminfo(std::string_view content);

std::unique_ptr<Collector> NewMeminfoCollector(const Paths& paths);

}  // namespace node_agent
