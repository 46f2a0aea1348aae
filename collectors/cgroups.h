// cgroups collector: the controllers of /proc/cgroups as node_cgroups_*.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct CgroupSummary {
  std::string subsys_name;
  int64_t hierarchy = 0;
  int64_t cgroups = 0;
  int64_t enabled = 0;
};

// "#subsys_name hierarchy num_cgroups enabled" lines ('#' lines ignored). A
// line with fewer than four fields or a field that is not an integer goes
// to `skipped`.
std::vector<CgroupSummary> ParseCgroups(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewCgroupsCollector(const Paths& paths);

}  // namespace node_agent
