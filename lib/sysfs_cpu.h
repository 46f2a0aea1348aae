// CPU lists and directories of /sys/devices/system/cpu, shared by the cpu,
// cpufreq and other per-CPU collectors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/fs.h"

namespace node_agent {

// A kernel CPU list such as "0-3,8,10-11" (isolated, offline, online).
// Empty input gives an empty list; nullopt when malformed.
std::optional<std::vector<uint32_t>> ParseCpuList(std::string_view content);

// Names of the cpu[0-9]* entries of /sys/devices/system/cpu, in the
// lexicographic order of Go's filepath.Glob (cpu0, cpu1, cpu10, cpu2, ...).
std::vector<std::string> ListCpuDirs(const Paths& paths);

// ListCpuDirs for a collector that lists every scrape: on a mounted sysfs the
// directory stays open between scrapes (it lasts as long as the kernel), which
// saves the path walk, open and close of each listing.
class CpuDirLister {
 public:
  explicit CpuDirLister(const Paths& paths);
  std::vector<std::string> List();

 private:
  DirLister dir_;
  std::vector<DirEntry> entries_;
};

}  // namespace node_agent
