// watchdog collector: /sys/class/watchdog/<watchdog>/*, as node_exporter's
// collector/watchdog.go with prometheus/procfs sysfs/class_watchdog.go.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The attributes of one watchdog device; unset when its file is absent.
struct Watchdog {
  std::string name;
  std::optional<int64_t> bootstatus, fw_version, nowayout, timeleft, timeout, pretimeout, access_cs0;
  std::optional<std::string> options, identity, state, status, pretimeout_governor;
};

// The attribute files procfs reads, in its order.
inline constexpr std::string_view kWatchdogFiles[] = {
    "bootstatus", "options",  "fw_version", "identity",   "nowayout",            "state",
    "status",     "timeleft", "timeout",    "pretimeout", "pretimeout_governor", "access_cs0"};

// Stores one attribute (`value` as SysReadFile returns it). False when a
// numeric attribute is not a Go base-0 int64 (node_exporter then fails the
// scrape) or `file` is not one of kWatchdogFiles.
bool SetWatchdogAttribute(Watchdog& wd, std::string_view file, std::string_view value);

// Adds the device's samples as node_exporter does.
void AddWatchdogMetrics(const Watchdog& wd, MetricSet& out);

std::unique_ptr<Collector> NewWatchdogCollector(const Paths& paths);

}  // namespace node_agent
