#include "collectors/sockstat.h"

#include <gtest/gtest.h>

#include "tests/support/sysnet_test_util.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::TempDir;
using testing::Value;

TEST(SockstatParse, IPv4File) {
  auto s = ParseSockstat(
      "sockets: used 1843\n"
      "TCP: inuse 412 orphan 3 tw 977 alloc 530 mem 2281\n"
      "UDP: inuse 21 mem 14\n"
      "FRAG: inuse 2 memory 8192\n");
  ASSERT_TRUE(s.used);
  EXPECT_EQ(*s.used, 1843);
  ASSERT_EQ(s.protocols.size(), 3u);
  const auto& tcp = s.protocols[0];
  EXPECT_EQ(tcp.protocol, "TCP");
  EXPECT_EQ(tcp.inuse, 412);
  EXPECT_EQ(tcp.orphan, 3);
  EXPECT_EQ(tcp.tw, 977);
  EXPECT_EQ(tcp.alloc, 530);
  EXPECT_EQ(tcp.mem, 2281);
  EXPECT_FALSE(tcp.memory);
  EXPECT_FALSE(s.protocols[1].orphan);
  EXPECT_EQ(s.protocols[1].mem, 14);
  EXPECT_EQ(s.protocols[2].memory, 8192);
  EXPECT_FALSE(s.protocols[2].mem);
}

TEST(SockstatParse, IPv6FileHasNoUsedLine) {
  auto s = ParseSockstat("TCP6: inuse 38\nFRAG6: inuse 0 memory 0\n");
  EXPECT_FALSE(s.used);
  ASSERT_EQ(s.protocols.size(), 2u);
  EXPECT_EQ(s.protocols[0].protocol, "TCP6");
  EXPECT_EQ(s.protocols[0].inuse, 38);
}

TEST(SockstatParse, MalformedLinesAreSkipped) {
  std::vector<std::string> problems;
  auto s = ParseSockstat(
      "sockets: used 10\n"
      "TCP: inuse 4 orphan\n"      // odd key/value count
      "UDP: inuse x\n"             // not a number
      "RAW\n"                      // too short
      "UDPLITE: inuse 1\n"
      "UDPLITE: inuse 2\n",        // repeated protocol
      &problems);
  EXPECT_EQ(*s.used, 10);
  ASSERT_EQ(s.protocols.size(), 1u);
  EXPECT_EQ(s.protocols[0].protocol, "UDPLITE");
  EXPECT_EQ(s.protocols[0].inuse, 1);
  EXPECT_EQ(problems.size(), 4u);
}

TEST(SockstatCollector, Ec2Fixture) {
  auto c = NewSockstatCollector(FixturePaths(FixturePath("sockstat")), 4096);
  MetricSet out;
  c->Collect(out);
  EXPECT_EQ(Value(out, "node_sockstat_sockets_used"), 1843);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_inuse"), 412);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_orphan"), 3);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_tw"), 977);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_alloc"), 530);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_mem"), 2281);
  EXPECT_EQ(Value(out, "node_sockstat_TCP_mem_bytes"), 2281.0 * 4096);
  EXPECT_EQ(Value(out, "node_sockstat_UDP_mem_bytes"), 14.0 * 4096);
  EXPECT_EQ(Value(out, "node_sockstat_FRAG_memory"), 8192);
  EXPECT_EQ(out.Find("node_sockstat_FRAG_memory_bytes"), nullptr);
  EXPECT_EQ(Value(out, "node_sockstat_TCP6_inuse"), 38);
  EXPECT_EQ(Value(out, "node_sockstat_FRAG6_memory"), 0);
  EXPECT_EQ(out.Find("node_sockstat_sockets6_used"), nullptr);
  // used + TCP 6 + UDP 3 + UDPLITE 1 + RAW 1 + FRAG 2, then 5 IPv6 inuse + FRAG6 memory.
  EXPECT_EQ(out.families().size(), 1u + 6 + 3 + 1 + 1 + 2 + 5 + 1);
  auto f = testing::Find(out, "node_sockstat_TCP_mem_bytes");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Gauge);
  EXPECT_EQ(f->help, "Number of TCP sockets in state mem_bytes.");
  EXPECT_EQ(out.Find("node_sockstat_sockets_used")->help, "Number of IPv4 sockets in use.");
}

TEST(SockstatCollector, MissingFilesAreNotErrors) {
  TempDir dir;
  dir.Write("proc/net/sockstat", "sockets: used 3\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 1\n");
  auto c = NewSockstatCollector(FixturePaths(dir.path()), 4096);
  MetricSet out;
  c->Collect(out);  // no sockstat6: IPv6 disabled
  EXPECT_EQ(Value(out, "node_sockstat_sockets_used"), 3);
  EXPECT_EQ(out.Find("node_sockstat_TCP6_inuse"), nullptr);

  TempDir empty;
  auto none = NewSockstatCollector(FixturePaths(empty.path()), 4096);
  MetricSet nothing;
  EXPECT_NO_THROW(none->Collect(nothing));
  EXPECT_TRUE(nothing.empty());
}

TEST(SockstatCollector, ConformsToNodeExporterFixtures) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  // node_exporter's expected output was made with 4 KiB pages.
  auto c = NewSockstatCollector(FixturePaths(ne + "/fixtures"), 4096);
  MetricSet out;
  c->Collect(out);
  std::string expected = testing::Slurp(ne + "/e2e-output.txt");
  std::string actual = testing::Serialize(out);
  auto want = testing::SamplesWithPrefix(expected, "node_sockstat_");
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(testing::SamplesWithPrefix(actual, "node_sockstat_"), want);
  EXPECT_EQ(testing::MetaWithPrefix(actual, "HELP", "node_sockstat_"),
            testing::MetaWithPrefix(expected, "HELP", "node_sockstat_"));
  EXPECT_EQ(testing::MetaWithPrefix(actual, "TYPE", "node_sockstat_"),
            testing::MetaWithPrefix(expected, "TYPE", "node_sockstat_"));
}

}  // namespace
}  // namespace node_agent
