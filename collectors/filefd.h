// filefd collector: node_filefd_allocated / node_filefd_maximum from
// /proc/sys/fs/file-nr.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

struct FileFdStats {
  double allocated = 0;
  double maximum = 0;
};

// file-nr is one line of three tab-separated numbers: allocated, free (always
// 0 since 2.6) and maximum. nullopt when there are fewer than three or the
// first or last is not a number.
std::optional<FileFdStats> ParseFileNr(std::string_view content);

std::unique_ptr<Collector> NewFilefdCollector(const Paths& paths);

}  // namespace node_agent
