// drbd collector: DRBD 8 device statistics from /proc/drbd, as node_exporter's
// collector/drbd_linux.go.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// One "key:value" word of /proc/drbd that node_exporter exports, with the
// device ("drbdN") of the "N:" word before it ("unknown" before any).
struct DrbdField {
  std::string device;
  std::string_view key;
  std::string_view value;
};

// The key:value words of /proc/drbd in file order: every word with exactly
// one ':' whose key is exported (numerical keys, ro, ds, cs). A numerical
// value that is not a number, or a ro/ds value without '/', is appended to
// `skipped` and left out.
std::vector<DrbdField> ParseDrbd(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewDrbdCollector(const Paths& paths);

}  // namespace node_agent
