// tapestats collector: SCSI tape drive statistics from
// /sys/class/scsi_tape/st*/stats, as node_exporter's
// collector/tapestats_linux.go with prometheus/procfs sysfs/class_scsitape.go.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The stats/ files node_exporter exports, in this order.
inline constexpr std::array<std::string_view, 10> kTapeStatFiles = {
    "in_flight", "io_ns",    "other_cnt",      "read_byte_cnt", "read_cnt",
    "read_ns",   "resid_cnt", "write_byte_cnt", "write_cnt",    "write_ns"};

// One drive's counters, indexed like kTapeStatFiles. A missing file reads 0,
// as in procfs; a value that does not parse is nullopt (its series is left
// out).
struct TapeCounters {
  std::array<std::optional<uint64_t>, kTapeStatFiles.size()> values{0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
};

// Stores the content of stats/`file` (procfs: one short read, trimmed, parsed
// as Go's ParseUint base 0, so "0x1f" reads 31). Returns false when the value
// does not parse (the counter becomes nullopt); files node_exporter does not
// export are ignored and return true.
bool SetTapeCounter(TapeCounters& counters, std::string_view file, std::string_view content);

// Whether a scsi_tape class entry is a rewinding drive ("st0", not "nst0a").
bool IsTapeDeviceName(std::string_view name);

struct TapestatsOptions {
  std::string ignored_devices = "^$";  // --collector.tapestats.ignored-devices
};

// Throws std::invalid_argument naming the flag for a bad regex.
std::unique_ptr<Collector> NewTapestatsCollector(const Paths& paths, const TapestatsOptions& options);

}  // namespace node_agent
