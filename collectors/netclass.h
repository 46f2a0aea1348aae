// netclass collector: network interface properties from /sys/class/net/<iface>,
// as node_exporter's collector/netclass_linux.go (sysfs mode, its default)
// with prometheus/procfs sysfs/net_class.go.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.h"

namespace node_agent {

// The attributes of one interface that node_exporter exports. An attribute
// whose file is missing, unreadable or not a number stays unset and its
// metric is left out; string attributes then stay "".
struct NetClassIface {
  std::string name;
  std::string address, broadcast, duplex, ifalias, operstate;
  std::optional<int64_t> addr_assign_type, carrier, carrier_changes, carrier_up_count,
      carrier_down_count, dev_id, dormant, flags, ifindex, iflink, link_mode, mtu,
      name_assign_type, netdev_group, speed, tx_queue_len, type;
};

// Parses an integer attribute as procfs does (Go strconv.ParseInt base 0):
// optional sign, then 0x/0o/0b prefixes or a leading 0 for octal ("0x1303"
// flags, "0x20" dev_id). nullopt when not a number or out of int64 range.
std::optional<int64_t> ParseSysfsInt(std::string_view s);

// Stores one attribute file's content (surrounding whitespace is trimmed)
// into `iface`. Returns false when `attr` is not one of the exported
// attributes.
bool SetNetClassAttribute(NetClassIface& iface, std::string_view attr, std::string_view value);

// node_network_adminstate label: from IFF_UP in flags, "unknown" without flags.
std::string_view AdminState(const NetClassIface& iface);

// Adds the interface's samples as node_exporter's netClassSysfsUpdate does.
// `ignore_invalid_speed`: --collector.netclass.ignore-invalid-speed.
void AddNetClassMetrics(const NetClassIface& iface, bool ignore_invalid_speed, MetricSet& out);

struct NetclassOptions {
  std::string ignored_devices = "^$";  // --collector.netclass.ignored-devices
  bool ignore_invalid_speed = false;   // --collector.netclass.ignore-invalid-speed
  // Attribute descriptors kept open between scrapes, for all devices together
  // (a device is read open-read-close once its share does not fit); -1: a
  // quarter of the soft RLIMIT_NOFILE, at most 4096. Not a flag; for tests.
  int max_cached_fds = -1;
};

// Throws std::invalid_argument naming the flag for a bad regex.
std::unique_ptr<Collector> CreateNetclassCollector(const Paths& paths,
                                                   const NetclassOptions& options);

}  // namespace node_agent
