// arp collector: ARP table entries per device, from an RTM_GETNEIGH dump
// (--collector.arp.netlink, the default) or /proc/net/arp.
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

// /proc/net/arp: a header line, then "IP HWtype Flags HWaddress Mask Device"
// per entry. Returns the entries per device. The header (9 fields) and
// blank lines are passed over; an entry procfs would reject (not 6 fields,
// a hardware address Go's net.ParseMAC refuses, flags that are not a byte)
// is appended to `skipped` and not counted.
std::map<std::string, uint32_t> ParseProcNetArp(std::string_view content, std::vector<std::string>& skipped);

// Go's net.ParseMAC: 6, 8 or 20 octets as "xx:xx:..", "xx-xx-.." or
// "xxxx.xxxx.xxxx".
bool IsGoMac(std::string_view s);

// The concatenated messages of an RTM_GETNEIGH dump: entries per interface
// index, counting AF_INET neighbours whose state lacks NUD_NOARP (the
// entries /proc/net/arp lists). nullopt for a malformed dump.
std::optional<std::map<int32_t, uint32_t>> ParseNeighDump(std::string_view bytes);

struct ArpOptions {
  std::string device_include;
  std::string device_exclude;
  bool netlink = true;
};

std::unique_ptr<Collector> NewArpCollector(const Paths& paths, const ArpOptions& options);

}  // namespace node_agent
