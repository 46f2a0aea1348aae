// network_route collector: unicast routes of every table and family from an
// RTM_GETROUTE dump, as node_exporter's collector/network_route_linux.go with
// jsimonetti/rtnetlink (off by default).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/netlink.h"

namespace node_agent {

struct RouteNextHop {
  int32_t ifindex = 0;
  uint8_t hops = 0;
  std::string gateway;  // raw 4 or 16 bytes, empty when absent
};

// The fields of rtnetlink's RouteMessage that node_exporter reads.
struct RouteInfo {
  uint8_t family = 0, dst_len = 0, protocol = 0, type = 0;
  std::string dst, src, gateway;  // raw addresses (RTA_DST, RTA_PREFSRC, RTA_GATEWAY)
  uint32_t oif = 0, priority = 0;
  std::vector<RouteNextHop> multipath;
};

// Parses an RTM_GETROUTE dump. A route message that rtnetlink would reject
// (an address attribute of neither 4 nor 16 bytes, a u32 attribute too short,
// a malformed RTA_MULTIPATH) is skipped and recorded. False when the dump
// itself is malformed.
bool ParseRouteDump(std::string_view bytes, std::vector<RouteInfo>& routes, std::vector<std::string>& skipped);

// Go's net.IP.String() of a 4- or 16-byte address ("" for empty).
std::string GoIPString(std::string_view ip);
// node_exporter's dest label: "default" for a zero prefix length, else Go's
// net.IPNet.String() of the address and prefix length.
std::string RouteDestString(std::string_view dst, uint8_t dst_len);
// The proto label for an rtm_protocol value.
std::string_view RouteProtocolName(uint8_t protocol);

// node_exporter's samples: node_network_route_info per unicast route (per
// next hop of a multipath route) and node_network_routes per device.
void AddRouteMetrics(const std::vector<RouteInfo>& routes, const std::vector<LinkName>& links, MetricSet& out);

std::unique_ptr<Collector> NewNetworkRouteCollector();

}  // namespace node_agent
