// loadavg collector: node_load1/5/15 from /proc/loadavg.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The 1, 5 and 15 minute load averages: the first three fields of
// /proc/loadavg. nullopt when there are fewer than three or one is not a number.
std::optional<std::array<double, 3>> ParseLoadavg(std::string_view content);

std::unique_ptr<Collector> NewLoadavgCollector(const Paths& paths);

}  // namespace node_agent
