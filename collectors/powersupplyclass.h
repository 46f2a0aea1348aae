// powersupplyclass collector: /sys/class/power_supply/<supply>/*, as
// node_exporter's collector/powersupplyclass_linux.go with prometheus/procfs
// sysfs/class_power_supply.go.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The attributes of one power supply that procfs parses, by file name.
struct PowerSupply {
  std::string name;
  std::map<std::string, int64_t, std::less<>> numbers;
  std::map<std::string, std::string, std::less<>> strings;
};

enum class PowerSupplyAttr { kStored, kIgnored, kBadNumber };

// Stores one attribute (`value` as SysReadFile returns it) into `ps`:
// kIgnored for a file procfs does not parse (uevent, ...), kBadNumber for a
// numeric attribute that is not a Go base-0 int64 (node_exporter then fails
// the scrape).
PowerSupplyAttr SetPowerSupplyAttribute(PowerSupply& ps, std::string_view file, std::string_view value);

// Adds the supply's samples as node_exporter does: the numeric attributes
// (µA, µV, µWh, µW scaled to base units, tenths of °C to °C) and
// node_power_supply_info with every non-empty string attribute.
void AddPowerSupplyMetrics(const PowerSupply& ps, MetricSet& out);

struct PowerSupplyOptions {
  std::string ignored_supplies = "^$";  // --collector.powersupply.ignored-supplies
};

// Throws std::invalid_argument naming the flag for a bad regex.
std::unique_ptr<Collector> NewPowerSupplyClassCollector(const Paths& paths, const PowerSupplyOptions& options);

}  // namespace node_agent
