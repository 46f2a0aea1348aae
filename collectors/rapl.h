// rapl collector: RAPL energy counters from /sys/class/powercap, as
// node_exporter's collector/rapl_linux.go with prometheus/procfs
// sysfs/class_powercap.go.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lib/collector.h"

namespace node_agent {

// procfs' getIndexAndName: a zone name "NAME-N" (N an integer) gives (N,
// NAME); any other name gives (how many zones of that name came before, the
// name). `counts` carries the per-name counts across the zones of one
// listing, in listing order.
std::pair<int64_t, std::string> RaplIndexAndName(std::map<std::string, int64_t>& counts, std::string_view name);

struct RaplOptions {
  bool zone_label = false;  // --collector.rapl.enable-zone-label
};

std::unique_ptr<Collector> NewRaplCollector(const Paths& paths, const RaplOptions& options);

}  // namespace node_agent
