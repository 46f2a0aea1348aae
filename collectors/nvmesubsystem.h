// nvmesubsystem collector: NVMe subsystem path health (NVMe-oF and native
// multipath) from /sys/class/nvme-subsystem, as node_exporter's
// collector/nvmesubsystem_linux.go with prometheus/procfs
// sysfs/class_nvme_subsystem.go.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The state label value of a controller's sysfs "state": the kernel's
// names, "deleting (no IO)" as "deleting", anything else "unknown".
std::string_view NormalizeNvmeControllerState(std::string_view raw);

// Whether a subsystem directory entry is a controller ("nvme0") or a
// namespace block device ("nvme0n1"), as procfs's ^nvme\d+$ and ^nvme\d+n\d+$.
bool IsNvmeControllerName(std::string_view name);
bool IsNvmeNamespaceName(std::string_view name);

std::unique_ptr<Collector> NewNvmesubsystemCollector(const Paths& paths);

}  // namespace node_agent
