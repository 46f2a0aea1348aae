// entropy collector: node_entropy_available_bits and
// node_entropy_pool_size_bits from /proc/sys/kernel/random.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// One number, surrounding whitespace allowed (entropy_avail, poolsize).
std::optional<uint64_t> ParseKernelRandomValue(std::string_view content);

std::unique_ptr<Collector> NewEntropyCollector(const Paths& paths);

}  // namespace node_agent
