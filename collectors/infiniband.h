// infiniband collector: InfiniBand/RDMA devices and ports from
// /sys/class/infiniband (node_infiniband_*, as node_exporter), and, beyond
// node_exporter, the hw_counters of AWS EFA adapters (node_infiniband_efa_*).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// A port's state or phys_state file, "<id>: <name>" (e.g. "4: ACTIVE"): the id.
// nullopt unless there is exactly one ':' and the id is a 32-bit decimal.
std::optional<uint32_t> ParseIbState(std::string_view content);

// A port's rate file, "<Gb/s> <rest>" (e.g. "100 Gb/sec (4X EDR)"), in bytes
// per second. The number is read as a 32-bit float, as procfs does, so
// "2.5" and "14.0625" are exact. nullopt without a space or a number.
std::optional<uint64_t> ParseIbRate(std::string_view content);

enum class IbCounterParse { kValue, kNotAvailable, kMalformed };
// A counter file, surrounding whitespace allowed: Go's strconv.ParseUint(s, 0,
// 64) (decimal, 0x/0o/0b prefixes, a leading 0 for octal). Text containing
// "N/A (no PMA)" (ports without a performance management agent) is
// kNotAvailable, which node_exporter skips silently.
IbCounterParse ParseIbCounter(std::string_view content, uint64_t* value);

// How a counter file's value becomes a sample.
enum class IbScale : uint8_t {
  kOne,               // as is
  kLanes,             // times 4: port_*_data counts 32-bit words per lane
  kMsToWholeSeconds,  // ms, divided by 1000 in integers (node_exporter's lifespan)
  kMsToSeconds,       // ms, as a fraction of seconds
};

// Where an EFA counter is found and which labels it carries.
enum class EfaScope : uint8_t {
  kPort,        // ports/<n>/hw_counters/: labels device, port
  kDevice,      // <dev>/hw_counters/ (kernels before the device/port split: the
                // first port's hw_counters/): label device
  kDeviceOnly,  // only <dev>/hw_counters/: label device
};

struct EfaCounterDef {
  std::string_view file;    // the file name under hw_counters/
  std::string_view metric;  // the family
  std::string_view help;
  MetricType type;
  IbScale scale;
  EfaScope scope;
};

// The EFA hw_counters node-agent exports, from the Linux efa driver's
// efa_port_stats and efa_device_stats lists.
std::span<const EfaCounterDef> EfaCounters();
const EfaCounterDef* FindEfaCounter(std::string_view file);

struct InfinibandOptions {
  std::string device_include;  // --collector.infiniband.device-include
  std::string device_exclude;  // --collector.infiniband.device-exclude
};

std::unique_ptr<Collector> NewInfinibandCollector(const Paths& paths, const InfinibandOptions& options);

}  // namespace node_agent
