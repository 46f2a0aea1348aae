// nvme collector: node_exporter 1.12's node_nvme_* families from
// /sys/class/nvme/<controller> and its namespace directories.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The namespace id of a /sys/class/nvme/<controller>/<entry> name: the N of
// nvme<ctrl>n<N> or nvme<subsys>c<ctrl>n<N> (searched anywhere in the name,
// as procfs's unanchored regex does); nullopt for other entries.
std::optional<std::string> NvmeNamespaceId(std::string_view entry);

std::unique_ptr<Collector> NewNvmeCollector(const Paths& paths);

}  // namespace node_agent
