// ethtool collector: driver statistics (ethtool -S), driver info (ethtool -i)
// and link modes (ethtool) of every interface in --path.sysfs class/net, read
// with the SIOCETHTOOL ioctl, under node_exporter 1.12's names (ethtool_linux.go):
//   node_ethtool_<sanitized stat name, rx->received, tx->transmitted>{device}
//   node_ethtool_info{bus_info,device,driver,expansion_rom_version,firmware_version,version}
//   node_network_{supported,advertised}_speed_bytes{device,duplex,mode},
//   node_network_supported_port_info{device,type},
//   node_network_{autonegotiate,pause,asymmetricpause}_{supported,advertised}{device},
//   node_network_autonegotiate{device}.
// Unlike node_exporter it is enabled by default, with a --collector.ethtool.metrics-include
// default that keeps only the EC2 ENA allowance counters and a few error/drop
// counters (drivers export hundreds of per-queue stats).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include "lib/regex.h"
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

struct ethtool_drvinfo;
struct ethtool_cmd;

namespace node_agent {

inline constexpr size_t kEthGstringLen = 32;  // ETH_GSTRING_LEN

inline constexpr const char* kEthtoolDefaultMetricsInclude =
    "^(bw_in_allowance_exceeded|bw_out_allowance_exceeded|pps_allowance_exceeded|"
    "conntrack_allowance_exceeded|linklocal_allowance_exceeded|conntrack_allowance_available|"
    "(rx|tx)_(dropped|drops|errors)|rx_(missed|crc|fifo|length|over)_errors|rx_overruns|"
    "tx_timeout|wd_expired)$";

// ETHTOOL_GDRVINFO, decoded.
struct EthtoolDriverInfo {
  std::string driver;
  std::string version;
  std::string firmware_version;
  std::string expansion_rom_version;
  std::string bus_info;
};

// What node_exporter reads from the legacy ETHTOOL_GSET: the first 32 bits
// of the supported and advertised link-mode masks, and whether autoneg is on.
struct EthtoolLinkInfo {
  uint32_t supported = 0;
  uint32_t advertising = 0;
  uint8_t autoneg = 0;
};

// The ioctl I/O, behind an interface so tests feed recorded data. Every call
// returns 0 or an errno (EOPNOTSUPP: the driver lacks that operation).
class EthtoolSource {
 public:
  virtual ~EthtoolSource() = default;
  virtual int DriverInfo(const std::string& device, EthtoolDriverInfo& out) = 0;
  // Number of ETH_SS_STATS strings (ETHTOOL_GSSET_INFO); EOPNOTSUPP when the
  // driver has no statistics.
  virtual int StatCount(const std::string& device, uint32_t& count) = 0;
  // Raw ETHTOOL_GSTRINGS data for ETH_SS_STATS, kEthGstringLen bytes a name.
  // The kernel decides the count; it is returned in `count`.
  virtual int StatNames(const std::string& device, uint32_t& count, std::string& raw) = 0;
  // ETHTOOL_GSTATS for about `expected` values; values.size() is the kernel's count.
  virtual int StatValues(const std::string& device, uint32_t expected, std::vector<uint64_t>& values) = 0;
  virtual int LinkInfo(const std::string& device, EthtoolLinkInfo& out) = 0;
};

// The SIOCETHTOOL implementation. Returns nullptr (and sets errno) when no
// socket can be opened.
std::unique_ptr<EthtoolSource> NewIoctlEthtoolSource();

// --- Pure decoding of ioctl results -----------------------------------------

EthtoolDriverInfo DecodeDriverInfo(const ethtool_drvinfo& raw);
// Names from a GSTRINGS buffer: each up to its first NUL in its 32 bytes.
// Entries beyond the buffer are left out.
std::vector<std::string> DecodeStatNames(std::string_view raw, uint32_t count);
// The ETHTOOL_GSTATS reply held in `buffer` (struct ethtool_stats then u64s),
// `capacity` values long: the kernel's values, or nullopt when it claims more
// than the buffer holds.
std::optional<std::vector<uint64_t>> DecodeStatValues(const std::vector<uint64_t>& buffer, uint32_t capacity);
EthtoolLinkInfo DecodeLegacySettings(const ethtool_cmd& raw);
// From ETHTOOL_GLINKSETTINGS: `masks` holds supported, advertising and
// lp_advertising bitmaps of `nwords` u32 each.
EthtoolLinkInfo DecodeLinkSettings(uint8_t autoneg, const uint32_t* masks, int nwords);

// --- Naming ----------------------------------------------------------------

// node_exporter's SanitizeMetricName: each run of `_*[^0-9A-Za-z_]+_*` -> "_".
std::string SanitizeEthtoolName(std::string_view name);
// buildEthtoolFQName: lower-case, leading '_' trimmed, rx/tx words renamed.
std::string EthtoolMetricName(std::string_view sanitized);

// One series to export from a device's stats array.
struct EthtoolStatSeries {
  size_t index;        // into the GSTATS values
  std::string metric;  // node_ethtool_...
  std::string help;
};
// Which stats a device exports, and as what: names are sanitized and matched
// against `include` (unanchored), renamed; names that collide after renaming
// are all dropped (logged at debug); the seven well-known rx/tx counters get
// node_exporter's _total names and help. A raw name listed twice keeps its
// last index. Sorted by metric name.
std::vector<EthtoolStatSeries> PlanEthtoolStats(const std::vector<std::string>& names, const Regex& include,
                                                const std::string& device = "");

// Adds the node_network_* link-mode series for one device.
void AddEthtoolLinkMetrics(MetricSet& out, const std::string& device, const EthtoolLinkInfo& link);

// --- Collector --------------------------------------------------------------

struct EthtoolOptions {
  std::string device_include;
  std::string device_exclude;
  std::string metrics_include = kEthtoolDefaultMetricsInclude;
};

// `source` null: the ioctl source.
std::unique_ptr<Collector> NewEthtoolCollector(const Paths& paths, const EthtoolOptions& options,
                                               std::unique_ptr<EthtoolSource> source = nullptr);

}  // namespace node_agent
