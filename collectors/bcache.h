// bcache collector: bcache cache sets, their backing and cache devices, from
// /sys/fs/bcache/<uuid>, as node_exporter's collector/bcache_linux.go with
// prometheus/procfs bcache/get.go.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// bcache's human-readable numbers (bch_hprint: "20.4G", "1.1M", "427.5k",
// or a plain number) as procfs reads them: a last byte past '9' is the
// multiplier (k M G T P E Z Y, powers of 1024; any other byte multiplies by
// 0), and "a.b" reads as a + b/10.24 because bch_hprint prints the fraction
// in 1024ths scaled to 0..9. nullopt when the number does not parse.
std::optional<uint64_t> BcacheDehumanize(std::string_view s);
// The same with an optional leading '-' (the controller terms).
std::optional<int64_t> BcacheDehumanizeSigned(std::string_view s);

// A single-value attribute file as procfs reads it: the content less its last
// byte (the newline), dehumanized. nullopt when it does not parse.
std::optional<uint64_t> ParseBcacheValue(std::string_view content);

// writeback_rate_debug of a backing device: the fields node_exporter
// exports; a field whose line is missing stays 0, one that does not parse
// stays nullopt and its line is appended to `skipped`.
struct BcacheWritebackRate {
  std::optional<uint64_t> rate = 0, target = 0;
  std::optional<int64_t> proportional = 0, integral = 0, change = 0;
};
BcacheWritebackRate ParseBcacheWritebackRateDebug(std::string_view content, std::vector<std::string>& skipped);

// priority_stats of a cache device: the Unused and Metadata percentages.
struct BcachePriorityStats {
  std::optional<uint64_t> unused_percent = 0, metadata_percent = 0;
};
BcachePriorityStats ParseBcachePriorityStats(std::string_view content, std::vector<std::string>& skipped);

struct BcacheOptions {
  bool priority_stats = false;  // --collector.bcache.priorityStats
};

std::unique_ptr<Collector> NewBcacheCollector(const Paths& paths, const BcacheOptions& options);

}  // namespace node_agent
