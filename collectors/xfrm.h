// xfrm collector: IPsec transformation error counters from
// /proc/net/xfrm_stat.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct XfrmField {
  std::string_view name;  // as in the file, e.g. "XfrmInError"
  int64_t value;
};

// "Name value" lines. A line that is not two fields with an integer second
// is appended to `skipped`. Names are returned whatever they are; the
// collector exports the ones node_exporter knows.
std::vector<XfrmField> ParseXfrmStat(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewXfrmCollector(const Paths& paths);

}  // namespace node_agent
