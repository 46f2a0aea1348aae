// netdev collector: per-interface traffic counters, as node_exporter's
// collector/netdev_linux.go + netdev_common.go (node_network_*_total).
//
// node_exporter 1.12 reads the counters over rtnetlink by default
// (--collector.netdev.netlink), which adds receive_nohandler to the 16
// counters /proc/net/dev has. We do the same on the live host; a --path.procfs
// that is not a mounted procfs (a fixture tree) is read from its net/dev file.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// One data line of /proc/net/dev.
struct NetDevLine {
  std::string name;
  uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0, rx_fifo = 0,
           rx_frame = 0, rx_compressed = 0, rx_multicast = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0, tx_fifo = 0,
           tx_colls = 0, tx_carrier = 0, tx_compressed = 0;
};

struct NetDevParseResult {
  std::vector<NetDevLine> devices;  // in file order, duplicates keep the last
  std::vector<std::string> bad_lines;  // lines that were skipped
};

// Parses /proc/net/dev. The two header lines are skipped; a line without a
// colon, with an empty name, or with fewer than 16 numeric fields is reported
// in bad_lines and skipped (node_exporter would fail the whole scrape).
NetDevParseResult ParseNetDev(std::string_view content);

// Counters of one link from an RTM_NEWLINK message, in the kernel's
// rtnl_link_stats64 field order (IFLA_STATS widened when IFLA_STATS64 is absent).
struct LinkStats {
  enum Field {
    kRxPackets, kTxPackets, kRxBytes, kTxBytes, kRxErrors, kTxErrors, kRxDropped, kTxDropped,
    kMulticast, kCollisions, kRxLengthErrors, kRxOverErrors, kRxCrcErrors, kRxFrameErrors,
    kRxFifoErrors, kRxMissedErrors, kTxAbortedErrors, kTxCarrierErrors, kTxFifoErrors,
    kTxHeartbeatErrors, kTxWindowErrors, kRxCompressed, kTxCompressed, kRxNohandler,
    kNumFields
  };
  std::string name;
  std::array<uint64_t, kNumFields> v{};
  uint64_t operator[](Field f) const { return v[f]; }
};

// Parses the concatenated netlink messages of an RTM_GETLINK dump. Links
// without IFLA_IFNAME or without any stats attribute are left out, as
// node_exporter does. Stops at NLMSG_DONE; returns false on NLMSG_ERROR or a
// truncated message (`links` then holds what was parsed before it).
bool ParseLinkDump(std::string_view bytes, std::vector<LinkStats>& links);

// A counter as node_exporter names it: the family is node_network_<key>_total.
using NetDevCounter = std::pair<std::string_view, uint64_t>;

// The counters node_exporter exports for one device, sorted by key. `detailed`
// is --collector.netdev.enable-detailed-metrics; without it the netlink fields
// are folded into /proc/net/dev's legacy names the way the kernel does.
std::vector<NetDevCounter> ProcNetDevCounters(const NetDevLine& line, bool detailed);
std::vector<NetDevCounter> NetlinkCounters(const LinkStats& link, bool detailed);

// One interface address for node_network_address_info.
struct AddressInfo {
  std::string device, address, netmask, scope;
};
// Go's scope() for an address given as text: "link-local", "interface-local",
// "global" or "". Empty for text that is not an IP address.
std::string AddressScope(const std::string& address);

// Dumps all links over rtnetlink (one RTM_GETLINK dump). Returns 0 or an errno.
int NetlinkDumpLinks(std::vector<LinkStats>& links);

struct NetdevOptions {
  std::string device_include;  // --collector.netdev.device-include
  std::string device_exclude;  // --collector.netdev.device-exclude
  std::string device_whitelist;  // deprecated spelling of device-include
  std::string device_blacklist;  // deprecated spelling of device-exclude
  bool address_info = false;   // --collector.netdev.address-info
  bool detailed_metrics = false;  // --collector.netdev.enable-detailed-metrics
  bool netlink = true;         // --collector.netdev.netlink
  bool label_ifalias = false;  // --collector.netdev.label-ifalias
  // Where counters come from. kAuto: netlink when `netlink` is set and
  // --path.procfs is a mounted procfs, else <procfs>/net/dev. Tests force one.
  enum class Source { kAuto, kProcFile, kNetlink } source = Source::kAuto;
};

// Throws std::invalid_argument naming the flag for bad regexes or conflicting
// include/exclude flags.
std::unique_ptr<Collector> CreateNetdevCollector(const Paths& paths, const NetdevOptions& options);

}  // namespace node_agent
