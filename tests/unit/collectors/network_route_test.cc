#include "collectors/network_route.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>

#include "tests/support/nl_builder.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::NlBuilder;
using testing::Value;

std::string V4(const char* s) {
  in_addr a;
  inet_pton(AF_INET, s, &a);
  return std::string(reinterpret_cast<const char*>(&a), 4);
}
std::string V6(const char* s) {
  in6_addr a;
  inet_pton(AF_INET6, s, &a);
  return std::string(reinterpret_cast<const char*>(&a), 16);
}

rtmsg Rt(uint8_t family, uint8_t dst_len, uint8_t proto, uint8_t type = RTN_UNICAST) {
  rtmsg r{};
  r.rtm_family = family;
  r.rtm_dst_len = dst_len;
  r.rtm_protocol = proto;
  r.rtm_type = type;
  r.rtm_table = RT_TABLE_MAIN;
  return r;
}

TEST(NetworkRouteFormat, GoIPStrings) {
  EXPECT_EQ(GoIPString(V4("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(GoIPString(V6("::ffff:1.2.3.4")), "1.2.3.4");
  EXPECT_EQ(GoIPString(V6("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");
  EXPECT_EQ(GoIPString(V6("fe80::")), "fe80::");
  EXPECT_EQ(GoIPString(V6("::1")), "::1");
  EXPECT_EQ(GoIPString(V6("::1.2.3.4")), "::102:304");  // Go has no IPv4-compatible form
  EXPECT_EQ(GoIPString(V6("1:0:2:3:4:5:6:7")), "1:0:2:3:4:5:6:7");
  EXPECT_EQ(GoIPString(""), "");
  EXPECT_EQ(RouteDestString(V4("10.0.0.0"), 8), "10.0.0.0/8");
  EXPECT_EQ(RouteDestString(V6("fe80::"), 64), "fe80::/64");
  EXPECT_EQ(RouteDestString("", 0), "default");
  EXPECT_EQ(RouteDestString(V4("10.0.0.0"), 33), "<nil>");
  EXPECT_EQ(RouteProtocolName(16), "dhcp");
  EXPECT_EQ(RouteProtocolName(99), "unknown");
}

std::string Multipath() {
  std::string out;
  for (auto [ifindex, hops, gw] : {std::tuple{2, 0, "10.0.0.1"}, std::tuple{3, 1, "10.0.1.1"}}) {
    NlBuilder attrs;  // just the attribute bytes
    attrs.Bytes(RTA_GATEWAY, V4(gw));
    rtnexthop nh{};
    nh.rtnh_len = static_cast<unsigned short>(sizeof(nh) + attrs.bytes().size());
    nh.rtnh_hops = static_cast<unsigned char>(hops);
    nh.rtnh_ifindex = ifindex;
    out.append(reinterpret_cast<const char*>(&nh), sizeof(nh));
    out += attrs.bytes();
  }
  return out;
}

TEST(NetworkRouteParse, UnicastSingleAndMultipath) {
  NlBuilder b;
  b.Begin(RTM_NEWROUTE, Rt(AF_INET, 0, RTPROT_DHCP))
      .Bytes(RTA_GATEWAY, V4("192.168.1.1"))
      .U32(RTA_OIF, 2)
      .U32(RTA_PRIORITY, 100)
      .Bytes(RTA_PREFSRC, V4("192.168.1.5"))
      .End();
  b.Begin(RTM_NEWROUTE, Rt(AF_INET, 24, RTPROT_STATIC)).Bytes(RTA_DST, V4("10.9.0.0")).Bytes(RTA_MULTIPATH, Multipath()).End();
  b.Begin(RTM_NEWROUTE, Rt(AF_INET, 32, RTPROT_KERNEL, RTN_LOCAL)).Bytes(RTA_DST, V4("127.0.0.1")).U32(RTA_OIF, 1).End();
  b.Begin(RTM_NEWROUTE, Rt(AF_INET6, 64, RTPROT_KERNEL)).Bytes(RTA_DST, V6("fe80::")).U32(RTA_OIF, 2).U32(RTA_PRIORITY, 256).End();
  b.Begin(RTM_NEWROUTE, Rt(AF_INET, 8, 0)).Bytes(RTA_DST, "abc").End();  // a 3-byte address: rejected
  b.Done();
  std::vector<RouteInfo> routes;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseRouteDump(b.bytes(), routes, skipped));
  EXPECT_EQ(routes.size(), 4u);
  EXPECT_EQ(skipped.size(), 1u);
  ASSERT_EQ(routes[1].multipath.size(), 2u);
  EXPECT_EQ(routes[1].multipath[1].ifindex, 3);

  std::vector<LinkName> links{{1, "lo"}, {2, "eth0"}, {3, "eth1"}};
  MetricSet set;
  AddRouteMetrics(routes, links, set);
  EXPECT_EQ(Value(set, "node_network_route_info",
                  {{"dest", "default"}, {"device", "eth0"}, {"gw", "192.168.1.1"}, {"priority", "100"},
                   {"proto", "dhcp"}, {"src", "192.168.1.5"}, {"weight", ""}}),
            1);
  EXPECT_EQ(Value(set, "node_network_route_info",
                  {{"dest", "10.9.0.0/24"}, {"device", "eth1"}, {"gw", "10.0.1.1"}, {"priority", "0"},
                   {"proto", "static"}, {"src", ""}, {"weight", "2"}}),
            1);
  EXPECT_EQ(Value(set, "node_network_routes", {{"device", "eth0"}}), 3);  // default, multipath hop, fe80::/64
  EXPECT_EQ(Value(set, "node_network_routes", {{"device", "lo"}}), -12345.678);  // local routes are not unicast
}

TEST(NetworkRouteParse, MalformedMultipathSkipsTheRoute) {
  NlBuilder b;
  b.Begin(RTM_NEWROUTE, Rt(AF_INET, 24, RTPROT_STATIC)).Bytes(RTA_MULTIPATH, std::string(5, '\x01')).End().Done();
  std::vector<RouteInfo> routes;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseRouteDump(b.bytes(), routes, skipped));
  EXPECT_TRUE(routes.empty());
  EXPECT_EQ(skipped.size(), 1u);
}

TEST(NetworkRoute, LiveHasALoopbackOrDefaultRoute) {
  MetricSet set;
  NewNetworkRouteCollector()->Collect(set);
  SUCCEED();  // a network namespace may have no unicast route; the dump itself must not fail
}

}  // namespace
}  // namespace node_agent
