// mdadm collector: Linux software RAID (md) arrays from /proc/mdstat and
// /sys/block/md*/md, as node_exporter's collector/mdadm_linux.go with
// prometheus/procfs mdstat.go and sysfs/mdraid.go.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// One array of /proc/mdstat, in procfs's MDStat terms.
struct MdStat {
  std::string name;
  std::string activity_state;  // active, inactive, recovering, reshaping, checking, resyncing, ...
  int64_t disks_active = 0, disks_total = 0, disks_failed = 0, disks_down = 0, disks_spare = 0;
  int64_t blocks_total = 0, blocks_synced = 0;
};

// Parses /proc/mdstat. An array whose lines do not parse is appended to
// `skipped` (its device line) and left out.
std::vector<MdStat> ParseMdStat(std::string_view content, std::vector<std::string>& skipped);

// Parses a /sys/block/mdN/md/sync_completed value other than "none":
// "DONE / TOTAL" sectors; nullopt when malformed.
std::optional<double> ParseMdSyncCompleted(std::string_view value);

// Parses a raid_disks attribute: a number, or "N (M)" during a reshape
// (the first number); nullopt when empty or malformed.
std::optional<uint64_t> ParseMdRaidDisks(std::string_view value);

std::unique_ptr<Collector> NewMdadmCollector(const Paths& paths);

}  // namespace node_agent
