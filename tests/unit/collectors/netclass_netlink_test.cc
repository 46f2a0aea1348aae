// netclass's --collector.netclass.netlink mode (node_exporter's
// netclass_rtnl_linux.go).
#include <gtest/gtest.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "collectors/netclass.h"
#include "tests/support/nl_builder.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::NlBuilder;
using testing::Value;

ifinfomsg Ifi(int index, uint16_t type, uint32_t flags) {
  ifinfomsg i{};
  i.ifi_index = index;
  i.ifi_type = type;
  i.ifi_flags = flags;
  return i;
}

std::string LinkDump(bool with_stats) {
  NlBuilder b;
  b.Begin(RTM_NEWLINK, Ifi(1, 772, 0x10049))
      .Str(IFLA_IFNAME, "lo")
      .U32(IFLA_TXQLEN, 1000)
      .U8(IFLA_OPERSTATE, 0)
      .U8(IFLA_LINKMODE, 0)
      .U32(IFLA_MTU, 65536)
      .U32(IFLA_GROUP, 0)
      .U8(IFLA_CARRIER, 1)
      .U32(IFLA_CARRIER_CHANGES, 0)
      .Bytes(IFLA_ADDRESS, std::string(6, '\0'))
      .Bytes(IFLA_BROADCAST, std::string(6, '\0'))
      .End();
  b.Begin(RTM_NEWLINK, Ifi(2, 1, 0x11043))
      .Str(IFLA_IFNAME, "eth0")
      .U32(IFLA_TXQLEN, 1000)
      .U8(IFLA_OPERSTATE, 6)
      .U8(IFLA_LINKMODE, 1)
      .U32(IFLA_MTU, 1500)
      .U32(IFLA_GROUP, 0)
      .U8(IFLA_CARRIER, 1)
      .U32(IFLA_CARRIER_CHANGES, 3)
      .U32(IFLA_CARRIER_UP_COUNT, 2)
      .U32(IFLA_CARRIER_DOWN_COUNT, 1)
      .U32(IFLA_LINK, 7)
      .Str(IFLA_IFALIAS, "uplink")
      .Bytes(IFLA_ADDRESS, std::string("\x02\xfc\x00\x00\x0a\xbb", 6))
      .Bytes(IFLA_BROADCAST, std::string(6, '\xff'))
      .Nest(IFLA_PROP_LIST)
      .Str(IFLA_ALT_IFNAME, "enp0s3")
      .Str(IFLA_ALT_IFNAME, "bad\xff\xfename")
      .EndNest();
  if (with_stats) {
    std::vector<uint64_t> stats(25);
    for (size_t i = 0; i < stats.size(); ++i) stats[i] = 100 + i;
    b.Attr(IFLA_STATS64, stats.data(), stats.size() * 8);
  }
  b.End();
  b.Begin(RTM_NEWLINK, Ifi(3, 1, 0)).Str(IFLA_IFNAME, "odd0").Bytes(IFLA_ADDRESS, "ab").End();  // rejected
  b.Done();
  return b.bytes();
}

std::string EthtoolDump() {
  NlBuilder b;
  genlmsghdr g{};
  g.cmd = ETHTOOL_MSG_LINKMODES_GET_REPLY;
  b.Begin(0x15, g)
      .Nest(ETHTOOL_A_LINKMODES_HEADER)
      .U32(ETHTOOL_A_HEADER_DEV_INDEX, 2)
      .Str(ETHTOOL_A_HEADER_DEV_NAME, "eth0")
      .EndNest()
      .U32(ETHTOOL_A_LINKMODES_SPEED, 1000)
      .U8(ETHTOOL_A_LINKMODES_DUPLEX, 1)
      .End();
  b.Begin(0x15, g)
      .Nest(ETHTOOL_A_LINKMODES_HEADER)
      .Str(ETHTOOL_A_HEADER_DEV_NAME, "virt0")
      .EndNest()
      .U32(ETHTOOL_A_LINKMODES_SPEED, 0xffffffff)
      .U8(ETHTOOL_A_LINKMODES_DUPLEX, 255)
      .End()
      .Done();
  return b.bytes();
}

TEST(NetclassNetlinkParse, Links) {
  std::vector<RtnlModeLink> links;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseRtnlModeDump(LinkDump(true), links, skipped));
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(skipped.size(), 1u);
  const RtnlModeLink& eth = links[1];
  EXPECT_EQ(eth.name, "eth0");
  EXPECT_EQ(eth.link, 7u);
  EXPECT_EQ(eth.alias, "uplink");
  ASSERT_EQ(eth.altnames.size(), 2u);
  ASSERT_TRUE(eth.stats64);
  EXPECT_EQ((*eth.stats64)[23], 123u);
  EXPECT_FALSE(links[0].alias);
}

TEST(NetclassNetlinkParse, EthtoolLinkModes) {
  std::vector<EthtoolLinkMode> modes;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseEthtoolLinkModes(EthtoolDump(), modes, skipped));
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_EQ(modes[0].speed, 1000u);
  EXPECT_EQ(EthtoolDuplexString(modes[0].duplex), "Full");
  EXPECT_EQ(EthtoolDuplexString(255), "Unknown");
  EXPECT_EQ(EthtoolDuplexString(7), "Duplex(7)");
}

std::unique_ptr<Collector> Rtnl(const testing::TempDir& dir, bool with_stats, int ethtool_err = 0) {
  NetclassOptions o;
  o.netlink = true;
  o.rtnl_with_stats = with_stats;
  o.ignored_devices = "^odd";
  o.dump_for_test = [with_stats](std::string& out) {
    out = LinkDump(with_stats);
    return 0;
  };
  o.ethtool_dump_for_test = [ethtool_err](std::string& out) {
    out = EthtoolDump();
    return ethtool_err;
  };
  return CreateNetclassCollector(testing::FixturePaths(dir.path()), o);
}

TEST(NetclassNetlink, Families) {
  testing::TempDir dir;
  dir.Write("sys/class/net/eth0/addr_assign_type", "3\n");
  dir.Write("sys/class/net/eth0/dev_id", "0x0\n");
  dir.Write("sys/class/net/eth0/name_assign_type", "4\n");
  MetricSet set;
  Rtnl(dir, false)->Collect(set);
  Labels eth{{"device", "eth0"}};
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "02:fc:00:00:0a:bb"},
                   {"broadcast", "ff:ff:ff:ff:ff:ff"},
                   {"device", "eth0"},
                   {"duplex", "Full"},
                   {"ifalias", "uplink"},
                   {"operstate", "up"}}),
            1);
  EXPECT_EQ(set.Find("node_network_info")->help, "Non-numeric data of <iface>, value is always 1.");
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "00:00:00:00:00:00"},
                   {"broadcast", "00:00:00:00:00:00"},
                   {"device", "lo"},
                   {"duplex", ""},
                   {"ifalias", ""},
                   {"operstate", "unknown"}}),
            1);
  EXPECT_EQ(Value(set, "node_network_altnames_info", {{"altname", "enp0s3"}, {"device", "eth0"}}), 1);
  EXPECT_EQ(Value(set, "node_network_altnames_info", {{"altname", "bad\xef\xbf\xbdname"}, {"device", "eth0"}}), 1);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", eth), 125000000);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "virt0"}}), 536870911875000.0);
  EXPECT_EQ(Value(set, "node_network_up", eth), 1);
  EXPECT_EQ(Value(set, "node_network_flags", eth), 0x11043);  // ifi_flags
  EXPECT_EQ(Value(set, "node_network_iface_link", eth), 7);
  EXPECT_EQ(Value(set, "node_network_iface_link", {{"device", "lo"}}), 1);  // no IFLA_LINK: the index
  EXPECT_EQ(Value(set, "node_network_dormant", eth), 1);  // node_exporter exports the link mode
  EXPECT_EQ(Value(set, "node_network_address_assign_type", eth), 3);
  EXPECT_EQ(Value(set, "node_network_name_assign_type", eth), 4);
  EXPECT_EQ(Value(set, "node_network_address_assign_type", {{"device", "lo"}}), -12345.678);
  EXPECT_EQ(Value(set, "node_network_carrier_up_changes_total", {{"device", "lo"}}), -12345.678);
  EXPECT_EQ(set.Find("node_network_carrier_changes_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_network_receive_packets_total"), nullptr);
  EXPECT_EQ(Value(set, "node_network_protocol_type", {{"device", "lo"}}), 772);
  EXPECT_EQ(set.Find("node_network_adminstate"), nullptr);
}

TEST(NetclassNetlink, WithStatsAndNoEthtool) {
  testing::TempDir dir;
  MetricSet set;
  Rtnl(dir, true, ENOENT)->Collect(set);
  Labels eth{{"device", "eth0"}};
  EXPECT_EQ(Value(set, "node_network_receive_packets_total", eth), 100);
  EXPECT_EQ(Value(set, "node_network_receive_nohandler_total", eth), 123);
  EXPECT_EQ(set.Find("node_network_receive_packets_total")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_network_speed_bytes"), nullptr);
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "02:fc:00:00:0a:bb"},
                   {"broadcast", "ff:ff:ff:ff:ff:ff"},
                   {"device", "eth0"},
                   {"duplex", ""},
                   {"ifalias", "uplink"},
                   {"operstate", "up"}}),
            1);
  MetricSet failed;
  EXPECT_THROW(Rtnl(dir, true, EPERM)->Collect(failed), std::runtime_error);
}

TEST(NetclassNetlink, LiveDump) {
  NetclassOptions o;
  o.netlink = true;
  MetricSet set;
  CreateNetclassCollector(Paths{}, o)->Collect(set);
  EXPECT_EQ(Value(set, "node_network_iface_id", {{"device", "lo"}}), 1);
}

}  // namespace
}  // namespace node_agent
