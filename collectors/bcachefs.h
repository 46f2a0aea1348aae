// bcachefs collector: bcachefs file systems and their devices from
// /sys/fs/bcachefs/<uuid>, as node_exporter's collector/bcachefs_linux.go with
// prometheus/procfs bcachefs/get.go.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// bcachefs's human-readable sizes ("2.05G", "62.5k", "720") as procfs reads
// them: an optional k/m/g/t/p/e suffix (either case, powers of 1024) on a Go
// float, truncated to an integer. nullopt when it does not parse.
std::optional<uint64_t> ParseBcachefsHumanBytes(std::string_view s);

// node_exporter's SanitizeMetricName: every match of _*[^0-9A-Za-z_]+_*
// becomes one underscore.
std::string SanitizeBcachefsCounterName(std::string_view name);

// The parsers below read one sysfs file each. A line whose numbers do not
// parse is appended to `skipped` and left out (procfs would fail the whole
// file system); a later line for the same key replaces an earlier one, as in
// procfs's maps.

struct BcachefsCompression {
  uint64_t compressed = 0, uncompressed = 0;
};
// compression_stats: a header line, then "algorithm compressed uncompressed
// [average extent size]".
std::map<std::string, BcachefsCompression> ParseBcachefsCompressionStats(std::string_view content,
                                                                          std::vector<std::string>& skipped);

// errors: "name count [time]".
std::map<std::string, uint64_t> ParseBcachefsErrors(std::string_view content, std::vector<std::string>& skipped);

// A counters/<name> file: the "since filesystem creation:" value (0 when only
// "since mount:" is there). nullopt when neither line is there or a value
// does not parse.
std::optional<uint64_t> ParseBcachefsCounter(std::string_view content);

struct BcachefsBtreeWrites {
  uint64_t count = 0, size_bytes = 0;
};
// btree_write_stats: a header line, then "type: count average-size".
std::map<std::string, BcachefsBtreeWrites> ParseBcachefsBtreeWriteStats(std::string_view content,
                                                                         std::vector<std::string>& skipped);

// dev-N/io_done: "read:" and "write:" sections of "data type : bytes".
std::map<std::string, std::map<std::string, uint64_t>> ParseBcachefsIoDone(std::string_view content,
                                                                            std::vector<std::string>& skipped);

// dev-N/io_errors: the "IO errors since filesystem creation" section's
// "type: count" lines.
std::map<std::string, uint64_t> ParseBcachefsIoErrors(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewBcachefsCollector(const Paths& paths);

}  // namespace node_agent
