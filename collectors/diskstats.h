// diskstats collector: node_exporter 1.12's node_disk_* families from
// /proc/diskstats, /sys/block/<dev>/{queue,slaves} and the udev database.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// node_exporter's default --collector.diskstats.device-exclude.
inline constexpr const char* kDiskstatsDefaultExclude =
    "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

// One /proc/diskstats line. `count` is the number of fields read, counting
// major, minor and name (14 before Linux 4.18, 18 with discards, 20 with
// flushes); only the first count-3 entries of `stats` are meaningful.
struct DiskstatsLine {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;
  int count = 0;
  std::array<uint64_t, 17> stats{};
};

struct DiskstatsParseResult {
  std::vector<DiskstatsLine> disks;
  // Non-blank lines that could not be parsed (fewer than 14 fields, or a
  // field that is not a number); the caller logs them.
  std::vector<std::string> malformed;
};

// Parses /proc/diskstats. Like procfs, a line is kept when at least 14
// fields parse; fields past the 20th are ignored.
DiskstatsParseResult ParseDiskstats(std::string_view content);

using UdevInfo = std::unordered_map<std::string, std::string>;

// Parses a udev database file (/run/udev/data/bMAJ:MIN): the "E:KEY=VALUE"
// device properties; other records (S:, I:, G:, ...) are ignored.
UdevInfo ParseUdevData(std::string_view content);

struct DiskstatsOptions {
  std::string device_exclude = kDiskstatsDefaultExclude;
  // Whether --collector.diskstats.device-exclude was given explicitly.
  bool device_exclude_set = false;
  std::string device_include;
  // Deprecated --collector.diskstats.ignored-devices (alias of device-exclude).
  std::string ignored_devices;
};

// Throws std::invalid_argument naming the flag on bad or conflicting flags.
std::unique_ptr<Collector> NewDiskstatsCollector(const Paths& paths,
                                                 const DiskstatsOptions& options);

}  // namespace node_agent
