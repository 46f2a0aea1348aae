// ksmd collector: kernel samepage merging state from sysfs kernel/mm/ksm as
// node_ksmd_*.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// A ksm attribute file: one unsigned decimal integer, blanks around it
// ignored (node_exporter's readUintFromFile); nullopt otherwise.
std::optional<uint64_t> ParseKsmdValue(std::string_view content);

std::unique_ptr<Collector> NewKsmdCollector(const Paths& paths);

}  // namespace node_agent
