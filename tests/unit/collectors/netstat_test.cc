#include "collectors/netstat.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <regex>
#include <set>

#include "tests/support/sysnet_test_util.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::FixturePath;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(NetstatParse, PairsOfLines) {
  auto sections = ParseNetStats(
      "Tcp: RtoAlgorithm MaxConn CurrEstab\n"
      "Tcp: 1 -1 412\n"
      "Udp: InDatagrams NoPorts\n"
      "Udp: 881234 301\n");
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].protocol, "Tcp");
  ASSERT_EQ(sections[0].fields.size(), 3u);
  EXPECT_EQ(sections[0].fields[1].first, "MaxConn");
  EXPECT_EQ(sections[0].fields[1].second, -1);
  EXPECT_EQ(sections[0].fields[2].second, 412);
  EXPECT_EQ(sections[1].protocol, "Udp");
  EXPECT_EQ(sections[1].fields[1].first, "NoPorts");
  EXPECT_EQ(sections[1].fields[1].second, 301);
}

TEST(NetstatParse, MalformedPairsAreSkippedNotFatal) {
  std::vector<std::string> problems;
  auto sections = ParseNetStats(
      "Ip: Forwarding DefaultTTL\n"
      "Ip: 1\n"                      // count mismatch
      "Orphan: A B\n"                // no values line of its own
      "Icmp: InMsgs InErrors\n"
      "Icmp: 10 x\n"                 // bad value: that field only
      "Tcp: CurrEstab\n"
      "Tcp: 7\n",
      &problems);
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].protocol, "Icmp");
  ASSERT_EQ(sections[0].fields.size(), 1u);
  EXPECT_EQ(sections[0].fields[0].first, "InMsgs");
  EXPECT_EQ(sections[1].protocol, "Tcp");
  EXPECT_EQ(sections[1].fields[0].second, 7);
  EXPECT_EQ(problems.size(), 3u);
}

TEST(NetstatParse, Snmp6SplitsAtFirstSix) {
  std::vector<std::string> problems;
  auto sections = ParseSnmp6(
      "Ip6InReceives                   \t7\n"
      "Ip6InOctets 460\n"
      "Icmp6InMsgs 3\n"
      "UdpLite6InErrors 0\n"
      "NoSixHere 5\n"
      "Udp6InDatagrams\n"            // too short: ignored
      "Udp6NoPorts bad\n",
      &problems);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].protocol, "Ip6");
  ASSERT_EQ(sections[0].fields.size(), 2u);
  EXPECT_EQ(sections[0].fields[1].first, "InOctets");
  EXPECT_EQ(sections[0].fields[1].second, 460);
  EXPECT_EQ(sections[1].protocol, "Icmp6");
  EXPECT_EQ(sections[2].protocol, "UdpLite6");
  EXPECT_EQ(sections[2].fields[0].first, "InErrors");
  EXPECT_EQ(problems.size(), 1u);
}

TEST(NetstatCollector, DefaultFieldsOnEc2Fixture) {
  auto c = NewNetstatCollector(FixturePaths(FixturePath("netstat")), NetstatOptions{});
  MetricSet out;
  c->Collect(out);
  // Every name the default regex selects from the fixture, and nothing else.
  const std::map<std::string, double> expected = {
      {"Icmp6_InErrors", 1}, {"Icmp6_InMsgs", 311}, {"Icmp6_OutMsgs", 288}, {"Icmp_InErrors", 17},
      {"Icmp_InMsgs", 4411}, {"Icmp_OutMsgs", 4902}, {"Ip6_InOctets", 123456789}, {"Ip6_OutOctets", 98765432},
      {"IpExt_InOctets", 918273645512}, {"IpExt_OutOctets", 712398712311}, {"Ip_Forwarding", 1},
      {"TcpExt_ListenDrops", 14}, {"TcpExt_ListenOverflows", 12}, {"TcpExt_SyncookiesFailed", 1},
      {"TcpExt_SyncookiesRecv", 2}, {"TcpExt_SyncookiesSent", 3}, {"TcpExt_TCPOFOQueue", 90211},
      {"TcpExt_TCPRcvQDrop", 7}, {"TcpExt_TCPSynRetrans", 311}, {"TcpExt_TCPTimeouts", 4821},
      {"Tcp_ActiveOpens", 182734}, {"Tcp_CurrEstab", 412}, {"Tcp_InErrs", 55}, {"Tcp_InSegs", 701234567},
      {"Tcp_OutRsts", 20311}, {"Tcp_OutSegs", 689123456}, {"Tcp_PassiveOpens", 99121},
      {"Tcp_RetransSegs", 18231}, {"Udp6_InDatagrams", 4412}, {"Udp6_InErrors", 2}, {"Udp6_NoPorts", 5},
      {"Udp6_OutDatagrams", 4410}, {"Udp6_RcvbufErrors", 0}, {"Udp6_SndbufErrors", 0},
      {"UdpLite6_InErrors", 0}, {"UdpLite_InErrors", 0}, {"Udp_InDatagrams", 881234}, {"Udp_InErrors", 9},
      {"Udp_NoPorts", 301}, {"Udp_OutDatagrams", 870011}, {"Udp_RcvbufErrors", 6}, {"Udp_SndbufErrors", 2},
  };
  EXPECT_EQ(out.families().size(), expected.size());
  for (const auto& [key, value] : expected) {
    EXPECT_EQ(Value(out, "node_netstat_" + key), value) << key;
  }
  auto f = testing::Find(out, "node_netstat_Tcp_CurrEstab");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Untyped);
  EXPECT_EQ(f->help, "Statistic TcpCurrEstab.");
  EXPECT_EQ(out.Find("node_netstat_Ip6_InOctets")->help, "Statistic Ip6InOctets.");
  EXPECT_EQ(out.Find("node_netstat_Tcp_MaxConn"), nullptr);
  EXPECT_EQ(out.Find("node_netstat_Tcp_InCsumErrors"), nullptr);

  // Second scrape (cached field decisions) gives the same series.
  MetricSet again;
  c->Collect(again);
  EXPECT_EQ(testing::Serialize(again), testing::Serialize(out));
}

TEST(NetstatCollector, FieldsFlag) {
  NetstatOptions o;
  o.fields = ".*";
  auto c = NewNetstatCollector(FixturePaths(FixturePath("netstat")), o);
  MetricSet out;
  c->Collect(out);
  EXPECT_EQ(Value(out, "node_netstat_Tcp_MaxConn"), -1);
  EXPECT_EQ(Value(out, "node_netstat_Ip_DefaultTTL"), 127);
  EXPECT_EQ(SampleCount(out, "node_netstat_IcmpMsg_InType3"), 1u);
  EXPECT_GT(out.families().size(), 300u);

  o.fields = "^Tcp_CurrEstab$";
  c = NewNetstatCollector(FixturePaths(FixturePath("netstat")), o);
  MetricSet one;
  c->Collect(one);
  EXPECT_EQ(one.families().size(), 1u);

  o.fields = "(";
  EXPECT_THROW(NewNetstatCollector(FixturePaths(FixturePath("netstat")), o), std::invalid_argument);
}

TEST(NetstatCollector, Snmp6OptionalOthersRequired) {
  TempDir dir;
  dir.Write("proc/net/netstat", "TcpExt: ListenDrops\nTcpExt: 4\n");
  dir.Write("proc/net/snmp", "Tcp: CurrEstab\nTcp: 2\n");
  auto c = NewNetstatCollector(FixturePaths(dir.path()), NetstatOptions{});
  MetricSet out;
  c->Collect(out);  // no snmp6: IPv6 disabled
  EXPECT_EQ(Value(out, "node_netstat_TcpExt_ListenDrops"), 4);
  EXPECT_EQ(Value(out, "node_netstat_Tcp_CurrEstab"), 2);

  TempDir no_snmp;
  no_snmp.Write("proc/net/netstat", "TcpExt: ListenDrops\nTcpExt: 4\n");
  auto broken = NewNetstatCollector(FixturePaths(no_snmp.path()), NetstatOptions{});
  MetricSet ignored;
  EXPECT_THROW(broken->Collect(ignored), std::runtime_error);
}

TEST(NetstatCollector, RepeatedProtocolReplacesEarlierAndNoDuplicateSeries) {
  TempDir dir;
  dir.Write("proc/net/netstat", "Tcp: CurrEstab\nTcp: 1\n");
  dir.Write("proc/net/snmp", "Tcp: CurrEstab CurrEstab\nTcp: 5 6\n");
  auto c = NewNetstatCollector(FixturePaths(dir.path()), NetstatOptions{});
  MetricSet out;
  c->Collect(out);
  EXPECT_EQ(SampleCount(out, "node_netstat_Tcp_CurrEstab"), 1u);
  EXPECT_EQ(Value(out, "node_netstat_Tcp_CurrEstab"), 5);
}

// The collector's output as it was computed before the per-position field
// cache: ParseNetStats/ParseSnmp6, merged by protocol, each key's first valid
// occurrence, selected by the regex.
std::string ReferenceExposition(const std::string& netstat, const std::string& snmp,
                                const std::optional<std::string>& snmp6, const std::string& fields) {
  auto sections = ParseNetStats(netstat);
  auto merge = [&](std::vector<NetStatSection> more) {
    for (auto& s : more) {
      auto it = std::find_if(sections.begin(), sections.end(),
                             [&](const NetStatSection& e) { return e.protocol == s.protocol; });
      if (it != sections.end()) {
        *it = std::move(s);
      } else {
        sections.push_back(std::move(s));
      }
    }
  };
  merge(ParseNetStats(snmp));
  if (snmp6) merge(ParseSnmp6(*snmp6));
  std::regex re(fields);
  std::set<std::string> done;
  MetricSet set;
  for (const auto& s : sections) {
    for (const auto& [name, value] : s.fields) {
      std::string key = s.protocol + "_" + name;
      if (!std::regex_search(key, re) || !done.insert(key).second) continue;
      set.Untyped("node_netstat_" + key, "Statistic " + s.protocol + name + ".", {}, value);
    }
  }
  return testing::Serialize(set);
}

// One collector scraping files whose values, layout and malformations change
// between scrapes gives, every time, what parsing from scratch gives.
TEST(NetstatCollector, CachedLayoutMatchesParsingFromScratch) {
  struct Files {
    std::string netstat, snmp;
    std::optional<std::string> snmp6;  // always set: see Snmp6OptionalOthersRequired for none
  };
  const std::string netstat =
      "TcpExt: SyncookiesSent ListenDrops TCPTimeouts ListenOverflows\n"
      "TcpExt: 1 2 3 4\n"
      "IpExt: InNoRoutes InOctets OutOctets\n"
      "IpExt: 0 10 20\n";
  const std::string snmp =
      "Ip: Forwarding InReceives InErrors\n"
      "Ip: 1 100 0\n"
      "Tcp: ActiveOpens MaxConn CurrEstab InErrs\n"
      "Tcp: 5 -1 7 0\n"
      "Udp: InDatagrams NoPorts InErrors\n"
      "Udp: 1 2 3\n";
  const std::string snmp6 =
      "Ip6InReceives 5\nIp6InOctets 99\nIcmp6InMsgs 3\nUdp6InDatagrams 4\nIp6OutOctets 77\n"
      "Udp6InErrors 1\nUdpLite6InErrors 0\n";
  const std::vector<Files> scrapes = {
      {netstat, snmp, snmp6},
      // Same layout, new values.
      {"TcpExt: SyncookiesSent ListenDrops TCPTimeouts ListenOverflows\nTcpExt: 11 12 13 14\n"
       "IpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 110 120\n",
       "Ip: Forwarding InReceives InErrors\nIp: 2 200 1\nTcp: ActiveOpens MaxConn CurrEstab InErrs\n"
       "Tcp: 6 -1 8 1\nUdp: InDatagrams NoPorts InErrors\nUdp: 4 5 6\n",
       "Ip6InReceives 6\nIp6InOctets 100\nIcmp6InMsgs 4\nUdp6InDatagrams 5\nIp6OutOctets 78\n"
       "Udp6InErrors 2\nUdpLite6InErrors 1\n"},
      // Fields reordered, removed and added; sections swapped; names of one
      // protocol at positions another's held.
      {"IpExt: OutOctets InOctets\nIpExt: 21 11\n"
       "TcpExt: TCPTimeouts ListenDrops SyncookiesRecv ListenOverflows SyncookiesSent\nTcpExt: 3 2 9 4 1\n",
       "Tcp: ActiveOpens CurrEstab\nTcp: 5 7\nIp: InReceives Forwarding\nIp: 100 1\n",
       "Icmp6InMsgs 3\nIp6InReceives 5\nIp6OutOctets 77\nIp6InOctets 99\n"},
      // Malformed: bad values (selected and not), an orphan names line, a
      // count mismatch, a name repeated in a section, a protocol repeated in
      // one file and across files, bad and '6'-less snmp6 lines, extra columns.
      {"TcpExt: SyncookiesSent ListenDrops TCPTimeouts Foo\nTcpExt: 1 x 3 y\n"
       "Orphan: A B\n"
       "IpExt: InOctets OutOctets\nIpExt: 10\n"
       "TcpExt: ListenDrops ListenDrops TCPTimeouts\nTcpExt: 7 8 9\n"
       "Tcp: CurrEstab\nTcp: 42\n\n",
       "Ip: Forwarding InReceives\nIp: 1 2e3\nTcp: CurrEstab CurrEstab InErrs\nTcp: bad 6 0x10\n"
       "Udp: InDatagrams\nUdp: 1\nUdp: NoPorts\nUdp: 2\n",
       "Ip6InReceives 5 extra\nIp6InOctets nope\nIcmp6InMsgs\nNoSixHere 3\nUdpLite6InErrors -0\n"
       "Ip6OutOctets 1e400\nIp6InReceives 6\nIcmp6OutMsgs 8\n"},
      // Back to the first layout.
      {netstat, snmp, snmp6},
      // A header read as last time over a bad value or a short values line.
      {"TcpExt: SyncookiesSent ListenDrops TCPTimeouts ListenOverflows\nTcpExt: 1 2 x 4\n"
       "IpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 10\n",
       snmp, snmp6},
      {netstat, snmp, snmp6},
      // One longer first section alone, whose names take the slots the second
      // section's had; then both sections as before.
      {"TcpExt: SyncookiesSent ListenDrops TCPTimeouts ListenOverflows TCPOFOQueue TCPRcvQDrop\n"
       "TcpExt: 1 2 3 4 5 6\n",
       snmp, snmp6},
      {"TcpExt: SyncookiesSent ListenDrops TCPTimeouts ListenOverflows\nTcpExt: 31 32 33 34\n"
       "IpExt: InNoRoutes InOctets OutOctets\nIpExt: 30 310 320\n",
       snmp, snmp6},
  };
  for (const std::string& fields : {std::string(kNetstatDefaultFields), std::string(".*"), std::string("Ip6|_In")}) {
    TempDir dir;
    NetstatOptions o;
    o.fields = fields;
    auto c = NewNetstatCollector(FixturePaths(dir.path()), o);
    for (size_t i = 0; i < scrapes.size(); ++i) {
      const Files& f = scrapes[i];
      dir.Write("proc/net/netstat", f.netstat);
      dir.Write("proc/net/snmp", f.snmp);  // in place, as the kernel's files stay
      dir.Write("proc/net/snmp6", *f.snmp6);
      MetricSet out;
      c->Collect(out);
      EXPECT_EQ(testing::Serialize(out), ReferenceExposition(f.netstat, f.snmp, f.snmp6, fields))
          << "fields " << fields << ", scrape " << i;
    }
  }
}

// node_exporter 1.12's own output on its fixture tree, series by series.
TEST(NetstatCollector, ConformsToNodeExporterFixtures) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  auto c = NewNetstatCollector(FixturePaths(ne + "/fixtures"), NetstatOptions{});
  MetricSet out;
  c->Collect(out);
  std::string expected = testing::Slurp(ne + "/e2e-output.txt");
  std::string actual = testing::Serialize(out);
  EXPECT_EQ(testing::SamplesWithPrefix(actual, "node_netstat_"), testing::SamplesWithPrefix(expected, "node_netstat_"));
  EXPECT_EQ(testing::MetaWithPrefix(actual, "HELP", "node_netstat_"), testing::MetaWithPrefix(expected, "HELP", "node_netstat_"));
  EXPECT_EQ(testing::MetaWithPrefix(actual, "TYPE", "node_netstat_"), testing::MetaWithPrefix(expected, "TYPE", "node_netstat_"));
}

}  // namespace
}  // namespace node_agent
