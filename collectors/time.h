// time collector: node_time_seconds, node_time_zone_offset_seconds and the
// clocksources in sysfs devices/system/clocksource.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// available_clocksource: names separated by whitespace.
std::vector<std::string> ParseAvailableClocksources(std::string_view content);

struct ZoneOffset {
  std::string name;  // abbreviation, e.g. "UTC", "CEST"
  long offset_seconds = 0;
};

// The local time zone at `unix_seconds`, as Go's time.Now().Zone() reports it.
ZoneOffset LocalZone(long long unix_seconds);

std::unique_ptr<Collector> NewTimeCollector(const Paths& paths);

}  // namespace node_agent
