// dmmultipath collector: device-mapper multipath devices and the state of
// their paths, from /sys/block/dm-*, as node_exporter's
// collector/dmmultipath_linux.go with prometheus/procfs
// blockdevice/dm_multipath.go.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct DmMultipathPath {
  std::string device;  // the slave's name ("sdi")
  std::string state;   // its device/state ("running", "offline", "live")
};

struct DmMultipathDevice {
  std::string name;        // dm/name ("mpatha")
  std::string sysfs_name;  // "dm-5"
  std::string uuid;        // dm/uuid ("mpath-3600...")
  bool suspended = false;
  uint64_t size_bytes = 0;
  std::vector<DmMultipathPath> paths;
};

// Whether a dm device's dm/uuid (as read, trimmed) names a multipath map.
bool IsMultipathUuid(std::string_view uuid);

// Whether a path state counts as active: SCSI "running" or NVMe "live".
bool IsMultipathPathActive(std::string_view state);

// Adds the device's series as node_exporter does.
void AddDmMultipathMetrics(const DmMultipathDevice& dev, MetricSet& out);

std::unique_ptr<Collector> NewDmmultipathCollector(const Paths& paths);

}  // namespace node_agent
