#include "collectors/qdisc.h"

#include <gtest/gtest.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tests/support/nl_builder.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::NlBuilder;
using testing::Value;

tcmsg Tc(int ifindex, uint32_t handle, uint32_t parent) {
  tcmsg tc{};
  tc.tcm_ifindex = ifindex;
  tc.tcm_handle = handle;
  tc.tcm_parent = parent;
  return tc;
}

void Stats2(NlBuilder& b, uint64_t bytes, uint32_t packets, const uint32_t (&queue)[5]) {
  gnet_stats_basic basic{};
  basic.bytes = bytes;
  basic.packets = packets;
  b.Nest(TCA_STATS2).Attr(TCA_STATS_BASIC, &basic, sizeof(basic)).Attr(TCA_STATS_QUEUE, queue, sizeof(queue)).EndNest();
}

std::vector<LinkName> Links() { return {{1, "lo"}, {2, "eth0"}, {3, "wlan0"}}; }

TEST(QdiscParse, RootAndChildQdiscsWithStats2ThenLegacyStats) {
  NlBuilder b;
  b.Begin(RTM_NEWQDISC, Tc(2, 0x80010000, TC_H_ROOT)).Str(TCA_KIND, "fq");
  Stats2(b, 1000, 10, {1, 2, 3, 4, 5});
  // The legacy TCA_STATS follows and wins for the fields it carries.
  tc_stats legacy{};
  legacy.bytes = 2000;
  legacy.packets = 20;
  legacy.drops = 30;
  legacy.overlimits = 50;
  legacy.qlen = 11;
  legacy.backlog = 22;
  b.Attr(TCA_STATS, &legacy, sizeof(legacy)).End();
  b.Begin(RTM_NEWQDISC, Tc(2, 0x10, 0x80010001)).Str(TCA_KIND, "pfifo");
  Stats2(b, 7, 1, {0, 0, 0, 0, 0});
  b.End().Done();

  std::vector<QdiscInfo> qdiscs;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseQdiscDump(b.bytes(), Links(), qdiscs, skipped));
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(qdiscs.size(), 2u);
  const QdiscInfo& root = qdiscs[0];
  EXPECT_EQ(root.iface, "eth0");
  EXPECT_EQ(root.kind, "fq");
  EXPECT_EQ(root.parent, 0u);  // TC_H_ROOT
  EXPECT_EQ(root.bytes, 2000u);
  EXPECT_EQ(root.packets, 20u);
  EXPECT_EQ(root.drops, 30u);
  EXPECT_EQ(root.requeues, 4u);  // only in TCA_STATS2
  EXPECT_EQ(root.overlimits, 50u);
  EXPECT_EQ(root.qlen, 11u);
  EXPECT_EQ(root.backlog, 22u);
  EXPECT_EQ(qdiscs[1].parent, 0x80010001u);
  EXPECT_EQ(qdiscs[1].bytes, 7u);
}

TEST(QdiscParse, SkipsShortStatsAndUnknownIndex) {
  NlBuilder b;
  b.Begin(RTM_NEWQDISC, Tc(3, 0, TC_H_ROOT)).Str(TCA_KIND, "noqueue").U32(TCA_STATS, 1).End();
  b.Begin(RTM_NEWQDISC, Tc(9, 0, TC_H_ROOT)).Str(TCA_KIND, "mq").End().Done();
  std::vector<QdiscInfo> qdiscs;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseQdiscDump(b.bytes(), Links(), qdiscs, skipped));
  ASSERT_EQ(qdiscs.size(), 1u);
  EXPECT_EQ(qdiscs[0].iface, "");  // an index no link has
  EXPECT_EQ(qdiscs[0].kind, "mq");
  EXPECT_EQ(skipped.size(), 1u);
}

TEST(QdiscParse, TruncatedDumpFails) {
  NlBuilder b;
  b.Begin(RTM_NEWQDISC, Tc(2, 0, TC_H_ROOT)).Str(TCA_KIND, "fq").End();
  std::string bytes = b.bytes();
  bytes.resize(bytes.size() - 4);
  std::vector<QdiscInfo> qdiscs;
  std::vector<std::string> skipped;
  EXPECT_FALSE(ParseQdiscDump(bytes, Links(), qdiscs, skipped));
}

TEST(QdiscParse, LinkNames) {
  NlBuilder b;
  ifinfomsg ifi{};
  ifi.ifi_index = 7;
  b.Begin(RTM_NEWLINK, ifi).Str(IFLA_IFNAME, "veth0").End().Done();
  std::vector<LinkName> links;
  ASSERT_TRUE(ParseLinkNames(b.bytes(), links));
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].index, 7);
  EXPECT_EQ(LinkNameOf(links, 7), "veth0");
  EXPECT_EQ(LinkNameOf(links, 8), "");
}

constexpr const char* kFixture = R"([
  {"IfaceName": "wlan0", "Bytes": 42, "Packets": 41, "Requeues": 1, "Kind": "fq", "Drops": 1},
  {"ifacename": "eth0", "bytes": 83, "packets": 83, "requeues": 2, "kind": "pfifo_fast", "Qlen": 3},
  {"IfaceName": "eth0", "Kind": "fq_codel", "Parent": 65537, "Bytes": 5}
])";

TEST(QdiscFixture, ReadsGoJsonCaseInsensitively) {
  std::vector<QdiscInfo> q;
  std::string error;
  ASSERT_TRUE(ParseQdiscFixture(kFixture, q, error)) << error;
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1].iface, "eth0");
  EXPECT_EQ(q[1].qlen, 3u);
  EXPECT_EQ(q[2].parent, 65537u);
}

TEST(QdiscFixture, RejectsWhatGoRejects) {
  std::vector<QdiscInfo> q;
  std::string error;
  EXPECT_FALSE(ParseQdiscFixture("[{\"Packets\": 4294967296}]", q, error));  // uint32 overflow
  EXPECT_FALSE(ParseQdiscFixture("[{\"Bytes\": -1}]", q, error));
  EXPECT_FALSE(ParseQdiscFixture("[{\"Bytes\": 1.5}]", q, error));
  EXPECT_FALSE(ParseQdiscFixture("{}", q, error));
  EXPECT_FALSE(ParseQdiscFixture("[", q, error));
  EXPECT_TRUE(ParseQdiscFixture("null", q, error));
  EXPECT_TRUE(q.empty());
}

TEST(Qdisc, FixtureCollectorRootOnlyAndFilter) {
  testing::TempDir dir;
  dir.Write("qdisc/results.json", kFixture);
  QdiscOptions o;
  o.fixtures = dir.path() + "/qdisc/";
  MetricSet set;
  NewQdiscCollector(Paths{}, o)->Collect(set);
  EXPECT_EQ(Value(set, "node_qdisc_packets_total", {{"device", "wlan0"}, {"kind", "fq"}}), 41);
  EXPECT_EQ(Value(set, "node_qdisc_current_queue_length", {{"device", "eth0"}, {"kind", "pfifo_fast"}}), 3);
  EXPECT_EQ(Value(set, "node_qdisc_bytes_total", {{"device", "eth0"}, {"kind", "fq_codel"}}), -12345.678);
  EXPECT_EQ(set.Find("node_qdisc_backlog")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_qdisc_requeues_total")->help, "Number of packets dequeued, not transmitted, and requeued.");

  o.device_include = "^wlan";
  MetricSet filtered;
  NewQdiscCollector(Paths{}, o)->Collect(filtered);
  EXPECT_EQ(testing::SampleCount(filtered, "node_qdisc_bytes_total"), 1u);

  o.fixtures = dir.path() + "/missing";
  MetricSet none;
  EXPECT_THROW(NewQdiscCollector(Paths{}, o)->Collect(none), std::runtime_error);
}

TEST(Qdisc, FlagConflicts) {
  QdiscOptions o;
  o.device_include = "a";
  o.device_exclude = "b";
  EXPECT_THROW(NewQdiscCollector(Paths{}, o), std::invalid_argument);
  QdiscOptions old;
  old.device_include = "a";
  old.old_device_include = "b";
  EXPECT_THROW(NewQdiscCollector(Paths{}, old), std::invalid_argument);
  QdiscOptions bad;
  bad.device_exclude = "(";
  EXPECT_THROW(NewQdiscCollector(Paths{}, bad), std::invalid_argument);
}

TEST(Qdisc, LiveKernelDump) {
  MetricSet set;
  NewQdiscCollector(Paths{}, QdiscOptions{})->Collect(set);
  auto f = testing::Find(set, "node_qdisc_packets_total");
  if (!f) GTEST_SKIP() << "no root qdisc in this network namespace";
  for (const auto& m : f->metric) EXPECT_FALSE(m.label[1].value.empty());  // every qdisc has a kind
}

}  // namespace
}  // namespace node_agent
