#include "collectors/network_route.h"

#include <fmt/format.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <map>
#include <stdexcept>

namespace node_agent {

namespace {

bool IsV4Mapped(std::string_view ip) {
  static constexpr char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff'};
  return ip.size() == 16 && std::memcmp(ip.data(), kPrefix, 12) == 0;
}

// rtnetlink's decodeIP: an address attribute must be 4 or 16 bytes.
bool DecodeIP(const nlattr* a, std::string& out) {
  if (!a) return true;
  std::string_view p = NlPayload(a);
  if (p.size() != 4 && p.size() != 16) return false;
  out.assign(p);
  return true;
}

bool GetU32(const nlattr* a, uint32_t& out) { return !a || NlGet(a, out); }

// RTA_MULTIPATH: rtnexthop structures, each followed by its attributes.
bool ParseMultipath(std::string_view b, std::vector<RouteNextHop>& hops) {
  while (!b.empty()) {
    if (b.size() < sizeof(rtnexthop)) return false;
    rtnexthop nh;
    std::memcpy(&nh, b.data(), sizeof(nh));
    if (nh.rtnh_len < sizeof(rtnexthop) || nh.rtnh_len > b.size()) return false;
    RouteNextHop hop;
    hop.ifindex = nh.rtnh_ifindex;
    hop.hops = nh.rtnh_hops;
    std::string_view attrs = b.substr(sizeof(rtnexthop), nh.rtnh_len - sizeof(rtnexthop));
    // The attributes need 4-byte alignment for libnl: copy them out.
    NlAttrs tb(RTA_MAX);
    std::vector<uint32_t> aligned((attrs.size() + 3) / 4);
    if (!attrs.empty()) std::memcpy(aligned.data(), attrs.data(), attrs.size());
    if (!tb.Parse(aligned.data(), attrs.size()) || !DecodeIP(tb[RTA_GATEWAY], hop.gateway)) return false;
    hops.push_back(std::move(hop));
    b.remove_prefix(nh.rtnh_len);
  }
  return true;
}

}  // namespace

bool ParseRouteDump(std::string_view bytes, std::vector<RouteInfo>& routes, std::vector<std::string>& skipped) {
  routes.clear();
  NlMessages msgs(bytes);
  NlAttrs tb(RTA_MAX);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWROUTE) return;
    if (!tb.ParseMessage(hdr, sizeof(rtmsg))) {
      skipped.push_back("short route message");
      return;
    }
    rtmsg rtm;
    std::memcpy(&rtm, NLMSG_DATA(hdr), sizeof(rtm));
    RouteInfo r;
    r.family = rtm.rtm_family;
    r.dst_len = rtm.rtm_dst_len;
    r.protocol = rtm.rtm_protocol;
    r.type = rtm.rtm_type;
    bool ok = DecodeIP(tb[RTA_DST], r.dst) && DecodeIP(tb[RTA_PREFSRC], r.src) &&
              DecodeIP(tb[RTA_GATEWAY], r.gateway) && GetU32(tb[RTA_OIF], r.oif) &&
              GetU32(tb[RTA_PRIORITY], r.priority) &&
              (!tb[RTA_MULTIPATH] || ParseMultipath(NlPayload(tb[RTA_MULTIPATH]), r.multipath));
    if (!ok) {
      skipped.push_back(fmt::format("route message (family {}, table {}): invalid attribute", rtm.rtm_family,
                                    rtm.rtm_table));
      return;
    }
    routes.push_back(std::move(r));
  });
}

std::string GoIPString(std::string_view ip) {
  if (ip.empty()) return "";
  auto byte = [&](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(ip[i])); };
  if (ip.size() == 4 || IsV4Mapped(ip)) {
    size_t o = ip.size() - 4;
    return fmt::format("{}.{}.{}.{}", byte(o), byte(o + 1), byte(o + 2), byte(o + 3));
  }
  if (ip.size() != 16) return "?";
  unsigned g[8];
  for (size_t i = 0; i < 8; ++i) g[i] = byte(2 * i) << 8 | byte(2 * i + 1);
  // The longest run of two or more zero groups (the first of equals) is "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

std::string RouteDestString(std::string_view dst, uint8_t dst_len) {
  if (dst_len == 0) return "default";
  if (dst.size() != 4 && dst.size() != 16) return "<nil>";
  int bits = dst.size() == 4 || IsV4Mapped(dst) ? 32 : 128;
  if (dst_len > bits) return "<nil>";
  return fmt::format("{}/{}", GoIPString(dst), dst_len);
}

std::string_view RouteProtocolName(uint8_t protocol) {
  switch (protocol) {
    case 0: return "unspec";
    case 1: return "redirect";
    case 2: return "kernel";
    case 3: return "boot";
    case 4: return "static";
    case 8: return "gated";
    case 9: return "ra";
    case 10: return "mrt";
    case 11: return "zebra";
    case 12: return "bird";
    case 13: return "dnrouted";
    case 14: return "xorp";
    case 15: return "ntk";
    case 16: return "dhcp";
    case 17: return "mrouted";
    case 42: return "babel";
    case 186: return "bgp";
    case 187: return "isis";
    case 188: return "ospf";
    case 189: return "rip";
    case 192: return "eigrp";
  }
  return "unknown";
}

void AddRouteMetrics(const std::vector<RouteInfo>& routes, const std::vector<LinkName>& links, MetricSet& out) {
  std::map<std::string, int, std::less<>> per_device;
  auto info = [&](std::string_view device, const RouteInfo& r, const std::string& gw, std::string weight) {
    out.Gauge("node_network_route_info", "network routing table information",
              {{"dest", RouteDestString(r.dst, r.dst_len)},
               {"device", std::string(device)},
               {"gw", GoIPString(gw)},
               {"priority", std::to_string(r.priority)},
               {"proto", std::string(RouteProtocolName(r.protocol))},
               {"src", GoIPString(r.src)},
               {"weight", std::move(weight)}},
              1);
    per_device[std::string(device)]++;
  };
  for (const RouteInfo& r : routes) {
    if (r.type != RTN_UNICAST) continue;
    if (!r.multipath.empty()) {
      for (const RouteNextHop& hop : r.multipath) {
        info(LinkNameOf(links, hop.ifindex), r, hop.gateway, std::to_string(int{hop.hops} + 1));
      }
    } else {
      info(LinkNameOf(links, static_cast<int32_t>(r.oif)), r, r.gateway, "");
    }
  }
  for (const auto& [device, n] : per_device) {
    out.Gauge("node_network_routes", "network routes by interface", {{"device", device}}, n);
  }
}

namespace {

class NetworkRouteCollector : public Collector {
 public:
  void Collect(MetricSet& out) override {
    if (int err = DumpLinks(sock_, dump_); err != 0) {
      throw std::runtime_error(fmt::format("couldn't get links: {}", std::strerror(err)));
    }
    if (!ParseLinkNames(dump_, links_)) throw std::runtime_error("couldn't get links: malformed reply");
    rtmsg rtm{};
    if (int err = sock_.Request(RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm), {}, dump_); err != 0) {
      throw std::runtime_error(fmt::format("couldn't get routes: {}", std::strerror(err)));
    }
    skipped_.clear();
    if (!ParseRouteDump(dump_, routes_, skipped_)) {
      throw std::runtime_error("couldn't get routes: malformed reply");
    }
    ReportSkipped("network_route", "netlink RTM_GETROUTE", skipped_);
    AddRouteMetrics(routes_, links_, out);
  }

 private:
  NetlinkSocket sock_{NETLINK_ROUTE};
  std::string dump_;
  std::vector<LinkName> links_;
  std::vector<RouteInfo> routes_;
  std::vector<std::string> skipped_;
};

std::unique_ptr<Collector> CreateNetworkRoute(const Paths&) { return NewNetworkRouteCollector(); }

NODE_AGENT_REGISTER_COLLECTOR("network_route", kDisabledByDefault, nullptr, &CreateNetworkRoute);

}  // namespace

std::unique_ptr<Collector> NewNetworkRouteCollector() { return std::make_unique<NetworkRouteCollector>(); }

}  // namespace node_agent
