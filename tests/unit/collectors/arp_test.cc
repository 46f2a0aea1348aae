#include "collectors/arp.h"

#include <gtest/gtest.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

#include "lib/fs.h"
#include "lib/rtnl.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

constexpr const char* kHeader = "IP address       HW type     Flags       HW address            Mask     Device\n";

TEST(ArpParse, CountsPerDevice) {
  std::vector<std::string> skipped;
  auto e = ParseProcNetArp(std::string(kHeader) +
                               "192.168.1.1    0x1         0x2         cc:aa:dd:ee:aa:bb     *        eth0\n"
                               "192.168.1.2    0x1         0x0         00:00:00:00:00:00     *        eth0\n"
                               "192.168.1.4    0x1         0x2         dd:ee:ff:aa:bb:cc     *        eth1\n\n",
                           skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(e, (std::map<std::string, uint32_t>{{"eth0", 2}, {"eth1", 1}}));
}

TEST(ArpParse, SkipsEntriesProcfsRejects) {
  std::vector<std::string> skipped;
  auto e = ParseProcNetArp(std::string(kHeader) +
                               "192.168.1.1    0x1         0x2         cc:aa:dd:ee:aa     *        eth0\n"     // 5 octets
                               "192.168.1.1    0x1         0x2         cc:aa:dd:ee:aa:bb  *\n"                 // 5 fields
                               "192.168.1.1    0x1         0x100       cc:aa:dd:ee:aa:bb     *        eth0\n"  // flags
                               "192.168.1.1    0x1         two         cc:aa:dd:ee:aa:bb     *        eth0\n"
                               "192.168.1.1    0x1         2           cc-aa-dd-ee-aa-bb     *        eth2\n",
                           skipped);
  EXPECT_EQ(skipped.size(), 4u);
  EXPECT_EQ(e, (std::map<std::string, uint32_t>{{"eth2", 1}}));
}

TEST(ArpParse, GoMacForms) {
  EXPECT_TRUE(IsGoMac("00:00:5e:00:53:01"));
  EXPECT_TRUE(IsGoMac("00-00-5E-00-53-01"));
  EXPECT_TRUE(IsGoMac("0000.5e00.5301"));
  EXPECT_TRUE(IsGoMac("02:00:5e:10:00:00:00:01"));
  EXPECT_TRUE(IsGoMac("00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01"));
  EXPECT_FALSE(IsGoMac("00:00:5e:00:53"));
  EXPECT_FALSE(IsGoMac("00:00:5e:00:53:0g"));
  EXPECT_FALSE(IsGoMac("00:00-5e:00:53:01"));
  EXPECT_FALSE(IsGoMac("00:00:5e:00:53:01:02"));
  EXPECT_FALSE(IsGoMac(""));
}

// A dump as the kernel sends it: RTM_NEWNEIGH messages, then NLMSG_DONE.
std::string Neigh(uint8_t family, int32_t ifindex, uint16_t state) {
  std::string msg(NLMSG_LENGTH(sizeof(ndmsg)), '\0');
  nlmsghdr hdr{};
  hdr.nlmsg_len = static_cast<uint32_t>(msg.size());
  hdr.nlmsg_type = RTM_NEWNEIGH;
  ndmsg ndm{};
  ndm.ndm_family = family;
  ndm.ndm_ifindex = ifindex;
  ndm.ndm_state = state;
  std::memcpy(msg.data(), &hdr, sizeof hdr);
  std::memcpy(msg.data() + NLMSG_HDRLEN, &ndm, sizeof ndm);
  return msg;
}

std::string Done() {
  std::string msg(NLMSG_LENGTH(sizeof(int)), '\0');
  nlmsghdr hdr{};
  hdr.nlmsg_len = static_cast<uint32_t>(msg.size());
  hdr.nlmsg_type = NLMSG_DONE;
  std::memcpy(msg.data(), &hdr, sizeof hdr);
  return msg;
}

TEST(ArpParse, NeighDump) {
  auto e = ParseNeighDump(Neigh(AF_INET, 2, NUD_REACHABLE) + Neigh(AF_INET, 2, NUD_STALE) +
                          Neigh(AF_INET, 3, NUD_FAILED) + Neigh(AF_INET, 1, NUD_NOARP) +
                          Neigh(AF_INET6, 2, NUD_REACHABLE) + Done());
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, (std::map<int32_t, uint32_t>{{2, 2}, {3, 1}}));
}

TEST(ArpParse, NeighDumpMalformed) {
  std::string short_msg = Neigh(AF_INET, 2, NUD_REACHABLE);
  nlmsghdr hdr{};
  hdr.nlmsg_len = NLMSG_HDRLEN + 2;
  hdr.nlmsg_type = RTM_NEWNEIGH;
  std::memcpy(short_msg.data(), &hdr, sizeof hdr);
  EXPECT_FALSE(ParseNeighDump(short_msg));
  std::string truncated = Neigh(AF_INET, 2, NUD_REACHABLE);
  truncated.resize(truncated.size() - 1);
  EXPECT_FALSE(ParseNeighDump(truncated));
  EXPECT_TRUE(ParseNeighDump("")->empty());
}

ArpOptions ProcOptions() {
  ArpOptions o;
  o.netlink = false;
  return o;
}

TEST(Arp, ProcFixture) {
  MetricSet set;
  NewArpCollector(FixturePaths(testing::FixturePath("arp")), ProcOptions())->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_arp_entries", {{"device", "ens3"}}), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_arp_entries", {{"device", "docker0"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_arp_entries", {{"device", "ib0"}}), 1);
  EXPECT_EQ(set.Find("node_arp_entries")->help, "ARP entries by device");
  EXPECT_EQ(set.Find("node_arp_entries")->type, MetricType::Gauge);
}

TEST(Arp, DeviceFilter) {
  ArpOptions o = ProcOptions();
  o.device_exclude = "^docker";
  MetricSet set;
  NewArpCollector(FixturePaths(testing::FixturePath("arp")), o)->Collect(set);
  EXPECT_EQ(testing::SampleCount(set, "node_arp_entries"), 2u);
  o = ProcOptions();
  o.device_include = "ens";
  MetricSet only;
  NewArpCollector(FixturePaths(testing::FixturePath("arp")), o)->Collect(only);
  EXPECT_EQ(testing::SampleCount(only, "node_arp_entries"), 1u);
  o.device_include = "(";
  EXPECT_THROW(NewArpCollector(Paths{}, o), std::invalid_argument);
}

TEST(Arp, MissingProcFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewArpCollector(FixturePaths(dir.path()), ProcOptions())->Collect(set), std::runtime_error);
}

// Live: the netlink path sees the host's ARP table as /proc/net/arp lists it.
// The table can change between the two reads, so a few tries are allowed.
TEST(ArpLive, NetlinkMatchesProcNetArp) {
  Paths live;
  if (!Exists(live.Proc("net/arp"))) GTEST_SKIP() << "no /proc/net/arp";
  ArpOptions netlink;
  auto via_netlink = NewArpCollector(live, netlink);
  auto via_proc = NewArpCollector(live, ProcOptions());
  std::string a, b;
  for (int attempt = 0; attempt < 5; ++attempt) {
    MetricSet n, p;
    via_netlink->Collect(n);
    via_proc->Collect(p);
    a = testing::Serialize(n);
    b = testing::Serialize(p);
    if (a == b) break;
  }
  EXPECT_EQ(a, b);
}

TEST(ArpLive, NeighDumpOfThisHost) {
  RtnlNeighDumper dumper;
  std::string bytes;
  ASSERT_EQ(dumper.Dump(AF_INET, bytes), 0);
  auto entries = ParseNeighDump(bytes);
  ASSERT_TRUE(entries);
  for (const auto& [index, count] : *entries) {
    char name[IF_NAMESIZE];
    EXPECT_NE(::if_indextoname(static_cast<unsigned>(index), name), nullptr) << index;
    EXPECT_GT(count, 0u);
  }
  // The socket is reused for the next dump.
  ASSERT_EQ(dumper.Dump(AF_INET, bytes), 0);
  EXPECT_TRUE(ParseNeighDump(bytes));
}

}  // namespace
}  // namespace node_agent
