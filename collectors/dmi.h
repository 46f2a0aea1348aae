// dmi collector: node_dmi_info from /sys/class/dmi/id, as node_exporter's
// collector/dmi.go with prometheus/procfs sysfs/class_dmi.go. Read once at
// start: the firmware's identity does not change until a reboot. On EC2 the
// product_name label is the instance type.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The node_dmi_info label a file of class/dmi/id fills ("sys_vendor" ->
// "system_vendor"); nullopt for the files node_exporter does not export
// (chassis_type, modalias, uevent, power, ...).
std::optional<std::string_view> DmiLabelForFile(std::string_view file);

// The labels of node_dmi_info from (file name, value as SysReadFile returns
// it) pairs: one label per exported file, in label-name order, values made
// valid UTF-8. Empty when no exported file was read.
Labels DmiLabels(const std::vector<std::pair<std::string, std::string>>& files);

std::unique_ptr<Collector> NewDmiCollector(const Paths& paths);

}  // namespace node_agent
