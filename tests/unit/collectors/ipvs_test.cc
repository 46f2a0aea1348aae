#include "collectors/ipvs.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(IpvsParse, Stats) {
  auto s = ParseIpvsStats(
      "   Total Incoming Outgoing         Incoming         Outgoing\n"
      "   Conns  Packets  Packets            Bytes            Bytes\n"
      " 16AA370 E33656E5        0     51D8C8883AB3                0\n"
      "\n"
      " Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->connections, 23765872u);
  EXPECT_EQ(s->incoming_packets, 3811989221u);
  EXPECT_EQ(s->outgoing_packets, 0u);
  EXPECT_EQ(s->incoming_bytes, 89991519156915u);
}

TEST(IpvsParse, StatsRejectsOtherShapes) {
  EXPECT_FALSE(ParseIpvsStats(""));
  EXPECT_FALSE(ParseIpvsStats("a\nb\n1 2 3 4 5"));      // no fourth line
  EXPECT_FALSE(ParseIpvsStats("a\nb\n1 2 3 4\n"));      // four fields
  EXPECT_FALSE(ParseIpvsStats("a\nb\n1 2 3 4 x\n"));    // not hex
  EXPECT_TRUE(ParseIpvsStats("a\nb\n1 2 3 4 5\n"));
}

TEST(IpvsParse, Backends) {
  std::vector<std::string> skipped;
  auto b = ParseIpvsBackends(
      "IP Virtual Server version 1.2.1 (size=4096)\n"
      "Prot LocalAddress:Port Scheduler Flags\n"
      "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n"
      "TCP  C0A80016:0CEA wlc\n"
      "  -> C0A85216:0CEA      Tunnel  100    248        2\n"
      "FWM  10001000 wlc\n"
      "  -> C0A8321A:0CEA      Tunnel  20     64         1\n"
      "UDP  [fe80:0000:0000:0000:0000:0000:0000:0001]:0035 rr\n"
      "  -> [0000:0000:0000:0000:0000:ffff:0a00:0001]:0035      Masq  1  2  3\n",
      skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].proto, "TCP");
  EXPECT_EQ(b[0].local_address, "192.168.0.22");
  EXPECT_EQ(b[0].local_port, 3306);
  EXPECT_EQ(b[0].remote_address, "192.168.82.22");
  EXPECT_EQ(b[0].weight, 100u);
  EXPECT_EQ(b[0].active_conn, 248u);
  EXPECT_EQ(b[0].inact_conn, 2u);
  EXPECT_EQ(b[1].proto, "FWM");
  EXPECT_EQ(b[1].local_mark, "10001000");
  EXPECT_EQ(b[1].local_address, "");
  EXPECT_EQ(b[1].local_port, 0);
  EXPECT_EQ(b[2].local_address, "fe80::1");
  EXPECT_EQ(b[2].local_port, 53);
  // Go prints an IPv4-mapped IPv6 address as IPv4.
  EXPECT_EQ(b[2].remote_address, "10.0.0.1");
}

TEST(IpvsParse, SkipsBadLinesAndTheirService) {
  std::vector<std::string> skipped;
  auto b = ParseIpvsBackends(
      "TCP  C0A8001:0CEA wlc\n"  // short address: its real servers go too
      "  -> C0A85216:0CEA      Tunnel  100    248        2\n"
      "TCP  C0A80016:0CEA wlc\n"
      "  -> C0A85216:0CEA      Tunnel  x    248        2\n"
      "  -> C0A85216:0CEA      Tunnel  1    2\n"  // short: ignored, as procfs does
      "  -> C0A85217:0CEA      Tunnel  1    2        3\n"
      "->\n"
      "X\n",
      skipped);
  EXPECT_EQ(skipped.size(), 3u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].remote_address, "192.168.82.23");
}

TEST(IpvsParse, OtherProtocolsKeepThePreviousService) {
  std::vector<std::string> skipped;
  auto b = ParseIpvsBackends(
      "TCP  0A000001:0050 rr\n"
      "SCTP 0A000002:0050 rr\n"
      "  -> 0A000003:0050      Masq  1  2  3\n",
      skipped);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].local_address, "10.0.0.1");
}

TEST(IpvsParse, Labels) {
  EXPECT_EQ(ParseIpvsLabels("local_mark,proto,local_address"),
            (std::vector<std::string>{"local_address", "proto", "local_mark"}));
  EXPECT_TRUE(ParseIpvsLabels("").empty());
  EXPECT_EQ(ParseIpvsLabels(",proto,,proto").size(), 1u);
  try {
    ParseIpvsLabels("proto,zz,aa");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown IPVS backend labels: \"aa, zz\""), std::string::npos) << e.what();
  }
}

TEST(Ipvs, Fixture) {
  MetricSet set;
  NewIpvsCollector(FixturePaths(testing::FixturePath("ipvs")), IpvsOptions{})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_connections_total"), 1000);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_incoming_packets_total"), 10000);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_outgoing_packets_total"), 500);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_incoming_bytes_total"), 100000);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_outgoing_bytes_total"), 50000);
  Labels first = {{"local_address", "10.0.0.1"}, {"local_mark", ""},   {"local_port", "80"},
                  {"proto", "TCP"},              {"remote_address", "10.0.1.2"}, {"remote_port", "8080"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_connections_active", first), 10);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_connections_inactive", first), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_weight", first), 1);
  Labels v6 = {{"local_address", "2001:db8::1"}, {"local_mark", ""},         {"local_port", "443"},
               {"proto", "TCP"},                 {"remote_address", "2001:db8:0:1::10"}, {"remote_port", "443"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_connections_active", v6), 4);
  Labels fwm = {{"local_address", ""}, {"local_mark", "00000007"},  {"local_port", "0"},
                {"proto", "FWM"},      {"remote_address", "10.0.1.6"}, {"remote_port", "0"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_weight", fwm), 4);
  EXPECT_EQ(testing::SampleCount(set, "node_ipvs_backend_weight"), 6u);
  EXPECT_EQ(set.Find("node_ipvs_backend_weight")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_ipvs_connections_total")->type, MetricType::Counter);
}

TEST(Ipvs, FewerLabelsSum) {
  IpvsOptions o;
  o.backend_labels = "proto,local_port";
  MetricSet set;
  NewIpvsCollector(FixturePaths(testing::FixturePath("ipvs")), o)->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_connections_active", {{"local_port", "80"}, {"proto", "TCP"}}), 30);
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_backend_weight", {{"local_port", "0"}, {"proto", "FWM"}}), 7);
  EXPECT_EQ(testing::SampleCount(set, "node_ipvs_backend_weight"), 4u);
  o.backend_labels = "";
  MetricSet all;
  NewIpvsCollector(FixturePaths(testing::FixturePath("ipvs")), o)->Collect(all);
  EXPECT_DOUBLE_EQ(Value(all, "node_ipvs_backend_connections_active"), 41);
}

TEST(Ipvs, NoModuleIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewIpvsCollector(FixturePaths(dir.path()), IpvsOptions{}), set).status, CollectStatus::kNoData);
}

TEST(Ipvs, MissingBackendFileFails) {
  testing::TempDir dir;
  dir.Write("proc/net/ip_vs_stats", "a\nb\n1 2 3 4 5\n\n");
  MetricSet set;
  auto c = NewIpvsCollector(FixturePaths(dir.path()), IpvsOptions{});
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed)
      << "a missing ip_vs with ip_vs_stats present is an error";
  EXPECT_DOUBLE_EQ(Value(set, "node_ipvs_connections_total"), 1);
}

}  // namespace
}  // namespace node_agent
