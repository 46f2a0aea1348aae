// netclass collector: network interface properties from /sys/class/net/<iface>,
// as node_exporter's collector/netclass_linux.go (sysfs mode, its default)
// with prometheus/procfs sysfs/net_class.go.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

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

// The attributes of one link that an RTM_NEWLINK message of a link dump
// carries (net/core/rtnetlink.c rtnl_fill_ifinfo), as the kernel sent them.
struct RtnlLinkAttrs {
  bool valid = true;  // false: the message did not parse; only name/ifindex may be set
  std::string name;   // IFLA_IFNAME
  int32_t ifindex = 0;  // ifi_index
  uint16_t type = 0;    // ifi_type: dev->type
  uint32_t flags = 0;   // ifi_flags: dev_get_flags(), which is not sysfs's dev->flags
  std::optional<uint32_t> link;  // IFLA_LINK: sent only when iflink != ifindex
  std::optional<uint32_t> mtu, tx_queue_len, group, carrier_changes, carrier_up_count,
      carrier_down_count;
  std::optional<uint8_t> operstate, link_mode, carrier;
  std::optional<std::string> address, broadcast;  // raw, dev->addr_len bytes; not sent for 0
  std::string ifalias;  // IFLA_IFALIAS, sent only when the alias is set
};

// Parses the concatenated messages of an RTM_GETLINK dump into `links`, in
// dump order. A link message whose header or attributes do not parse (an
// attribute running past the message, a payload too short for its type) is
// kept with valid=false so that the caller can skip just that link. Stops at
// NLMSG_DONE; returns false on NLMSG_ERROR or a message running past `bytes`.
bool ParseRtnlLinkDump(std::string_view bytes, std::vector<RtnlLinkAttrs>& links);

// The per-scrape netclass attributes, as bits.
enum NetClassAttrBit : uint32_t {
  kNcAddrAssignType = 1u << 0,
  kNcAddress = 1u << 1,
  kNcBroadcast = 1u << 2,
  kNcCarrier = 1u << 3,
  kNcCarrierChanges = 1u << 4,
  kNcCarrierDownCount = 1u << 5,
  kNcCarrierUpCount = 1u << 6,
  kNcDormant = 1u << 7,
  kNcDuplex = 1u << 8,
  kNcFlags = 1u << 9,
  kNcIfalias = 1u << 10,
  kNcIflink = 1u << 11,
  kNcLinkMode = 1u << 12,
  kNcMtu = 1u << 13,
  kNcNetdevGroup = 1u << 14,
  kNcOperstate = 1u << 15,
  kNcSpeed = 1u << 16,
  kNcTxQueueLen = 1u << 17,
  kNcType = 1u << 18,
};

// Sets in `iface` what the sysfs files of the link would say, for every
// attribute that `link` (valid) determines, and returns those attributes'
// bits; the others are to be read from sysfs. Never taken from netlink:
// flags (sysfs shows dev->flags; ifi_flags replaces RUNNING, LOWER_UP and
// DORMANT and takes PROMISC/ALLMULTI from gflags, and drivers set dev->flags
// bits directly, so it cannot be rebuilt exactly), addr_assign_type, and speed
// and duplex of a running link (ethtool; not in the link message). carrier,
// dormant, speed and duplex of a link that is not up are absent, as sysfs
// answers EINVAL for them unless netif_running().
uint32_t ApplyRtnlLinkAttrs(const RtnlLinkAttrs& link, NetClassIface& iface);

// --collector.netclass.netlink mode, node_exporter's netclass_rtnl_linux.go:
// the families come from one RTM_GETLINK dump (jsimonetti/rtnetlink's
// LinkMessage fields), speed and duplex from an ethtool netlink
// LINKMODES_GET dump, and three attributes from sysfs.
struct RtnlModeLink {
  std::string name;
  uint32_t index = 0;
  uint16_t type = 0;   // ifi_type
  uint32_t flags = 0;  // ifi_flags
  uint32_t link = 0;   // IFLA_LINK, 0 when absent
  uint32_t mtu = 0;
  uint8_t operstate = 0;
  std::string address, broadcast;  // raw
  std::optional<std::string> alias;
  std::vector<std::string> altnames;
  std::optional<uint32_t> tx_queue_len, group, carrier_changes, carrier_up_count, carrier_down_count;
  std::optional<uint8_t> carrier, link_mode;
  std::optional<std::vector<uint64_t>> stats64;  // rtnl_link_stats64, its first 24 fields
};
// Parses an RTM_GETLINK dump for the netlink mode (libnl attribute walk). A
// message rtnetlink would reject (an address of fewer than 4 or more than 32
// bytes, IFLA_STATS64 shorter than its 24 fields) is skipped and recorded.
bool ParseRtnlModeDump(std::string_view bytes, std::vector<RtnlModeLink>& links,
                       std::vector<std::string>& skipped);

// One device of an ethtool ETHTOOL_MSG_LINKMODES_GET dump (mdlayher/ethtool's
// LinkMode: absent speed and duplex stay 0).
struct EthtoolLinkMode {
  std::string name;
  uint32_t speed = 0;  // Mb/s; SPEED_UNKNOWN is 0xffffffff
  uint8_t duplex = 0;
};
bool ParseEthtoolLinkModes(std::string_view bytes, std::vector<EthtoolLinkMode>& out,
                           std::vector<std::string>& skipped);
// mdlayher/ethtool's Duplex.String(): "Half", "Full", "Unknown", "Duplex(N)".
std::string EthtoolDuplexString(uint8_t duplex);

// The attributes the netlink mode reads from sysfs.
struct NetclassSysfsExtra {
  std::optional<int64_t> addr_assign_type, dev_id, name_assign_type;
};

// node_network_speed_bytes of a link mode, as node_exporter computes it.
void AddEthtoolSpeedMetric(const EthtoolLinkMode& lm, MetricSet& out);
// The samples of one link in the netlink mode; `lm` null when ethtool has no
// entry for it. `with_stats`: --collector.netclass_rtnl.with-stats.
void AddNetClassRtnlMetrics(const RtnlModeLink& link, const EthtoolLinkMode* lm,
                            const NetclassSysfsExtra& sysfs, bool with_stats, MetricSet& out);

struct NetclassOptions {
  std::string ignored_devices = "^$";  // --collector.netclass.ignored-devices
  bool ignore_invalid_speed = false;   // --collector.netclass.ignore-invalid-speed
  // Attribute descriptors kept open between scrapes, for all devices together
  // (a device is read open-read-close once its share does not fit); -1: a
  // quarter of the soft RLIMIT_NOFILE, at most 4096. Not a flag; for tests.
  int max_cached_fds = -1;
  // --collector.netclass.netlink: node_exporter's netlink mode (its own
  // families; see AddNetClassRtnlMetrics).
  bool netlink = false;
  // --collector.netclass_rtnl.with-stats: the netlink mode adds each link's
  // IFLA_STATS64 counters.
  bool rtnl_with_stats = false;
  // Test hooks for the netlink mode: replace the link and ethtool dumps (the
  // bytes and 0, or an errno).
  std::function<int(std::string&)> ethtool_dump_for_test;
  // Where per-scrape attributes come from. kAuto: one RTM_GETLINK dump plus
  // the sysfs files it lacks when --path.sysfs is a mounted sysfs, else (a
  // fixture tree) all from sysfs. Tests force one.
  enum class Source { kAuto, kSysfs, kNetlink } source = Source::kAuto;
  // Test hook: replaces the netlink dump (the bytes and 0, or an errno).
  std::function<int(std::string&)> dump_for_test;
};

// Throws std::invalid_argument naming the flag for a bad regex.
std::unique_ptr<Collector> CreateNetclassCollector(const Paths& paths,
                                                   const NetclassOptions& options);

}  // namespace node_agent
