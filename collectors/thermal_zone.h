// thermal_zone collector: node_exporter's collector/thermal_zone_linux.go
// (v1.12) over procfs' sysfs ClassThermalZoneStats/ClassCoolingDeviceStats:
// node_thermal_zone_temp, node_cooling_device_{cur,max}_state.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

std::unique_ptr<Collector> NewThermalZoneCollector(const Paths& paths);

// ---- Pure pieces. ----

// The part after `prefix` when `entry` matches the glob PREFIX[0-9]*
// ("thermal_zone12" -> "12"), else nullopt.
std::optional<std::string> MatchNumberedEntry(std::string_view entry, std::string_view prefix);

// What an errno from reading a thermal zone attribute means, as procfs
// treats it: the attribute is absent (optional ones may be), the zone is
// skipped (open failures, ENODATA, EAGAIN), or the whole thermal zone read
// fails (anything else, e.g. EIO).
enum class ZoneReadError { kMissing, kSkipZone, kFatal };
ZoneReadError ClassifyZoneError(int err);

// Cooling devices: procfs skips a device on ENOENT, EACCES/EPERM, EINVAL and
// EOPNOTSUPP; any other error fails the cooling device read.
bool CoolingErrorIgnorable(int err);

}  // namespace node_agent
