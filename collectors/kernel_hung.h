// kernel_hung collector: node_kernel_hung_tasks_total from
// /proc/sys/kernel/hung_task_detect_count (CONFIG_DETECT_HUNG_TASK).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The count in hung_task_detect_count: one decimal number, surrounding
// whitespace allowed; nullopt otherwise.
std::optional<uint64_t> ParseKernelHung(std::string_view content);

std::unique_ptr<Collector> NewKernelHungCollector(const Paths& paths);

}  // namespace node_agent
