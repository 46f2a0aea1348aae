// softirqs collector: node_softirqs_functions_total, softirq counts per CPU
// and type from /proc/softirqs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The rows node_exporter exports, in /proc/softirqs order; other rows are ignored.
inline constexpr std::array<std::string_view, 10> kSoftirqTypes = {
    "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"};

struct Softirqs {
  // Per kSoftirqTypes entry, one count per CPU column; empty when the row is
  // absent (or malformed).
  std::array<std::vector<uint64_t>, kSoftirqTypes.size()> counts;
};

// Parses /proc/softirqs: a header line, then "NAME: count count ...". A known
// row with a value that is not a number is left out and appended to
// `skipped`. nullopt when the content is empty (no header line).
std::optional<Softirqs> ParseSoftirqs(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewSoftirqsCollector(const Paths& paths);

}  // namespace node_agent
