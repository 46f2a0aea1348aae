// slabinfo collector: the kernel's slab caches from /proc/slabinfo (format
// 2.1) as node_slabinfo_*, filtered by --collector.slabinfo.slabs-include/-exclude.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct Slab {
  std::string name;
  int64_t active_objs = 0;
  int64_t num_objs = 0;
  int64_t obj_size = 0;
  int64_t obj_per_slab = 0;
  int64_t pages_per_slab = 0;
};

// Skips the "slabinfo - version" and "# name" header lines; every other line
// must have exactly the 16 space separated fields of format 2.1 (as procfs
// splits them: leading or trailing blanks count as empty fields) with
// integers where procfs reads them, or it goes to `skipped`.
std::vector<Slab> ParseSlabinfo(std::string_view content, std::vector<std::string>& skipped);

struct SlabinfoOptions {
  std::string slabs_include = ".*";
  std::string slabs_exclude;
};

std::unique_ptr<Collector> NewSlabinfoCollector(const Paths& paths, const SlabinfoOptions& options);

}  // namespace node_agent
