#include "collectors/netdev.h"

#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <map>
#include <stdexcept>

#include "lib/log.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

constexpr const char* kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

std::map<std::string, uint64_t> AsMap(const std::vector<NetDevCounter>& counters) {
  std::map<std::string, uint64_t> m;
  for (const auto& [k, v] : counters) m.emplace(std::string(k), v);
  return m;
}

NetdevOptions FileSource() {
  NetdevOptions o;
  o.source = NetdevOptions::Source::kProcFile;
  return o;
}

TEST(ParseNetDev, ParsesFixture) {
  auto content = ReadFile(FixturePath("net/ec2/proc/net/dev"));
  ASSERT_TRUE(content);
  auto parsed = ParseNetDev(*content);
  EXPECT_TRUE(parsed.bad_lines.empty());
  ASSERT_EQ(parsed.devices.size(), 4u);
  const NetDevLine& ens5 = parsed.devices[1];
  EXPECT_EQ(ens5.name, "ens5");
  EXPECT_EQ(ens5.rx_bytes, 73829104857u);
  EXPECT_EQ(ens5.rx_packets, 51234567u);
  EXPECT_EQ(ens5.rx_dropped, 17u);
  EXPECT_EQ(ens5.rx_multicast, 412u);
  EXPECT_EQ(ens5.tx_bytes, 9182736455u);
  EXPECT_EQ(ens5.tx_packets, 23456789u);
  // "docker0:  1840221" and "veth3f2a1b0:  2141277": long names leave no
  // space before the colon.
  EXPECT_EQ(parsed.devices[2].name, "docker0");
  EXPECT_EQ(parsed.devices[2].tx_dropped, 3u);
  EXPECT_EQ(parsed.devices[3].name, "veth3f2a1b0");
  EXPECT_EQ(parsed.devices[3].rx_bytes, 2141277u);
}

TEST(ParseNetDev, SkipsMalformedLinesAndKeepsTheRest) {
  std::string content = std::string(kHeader) +
                        "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                        "  nocolon 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                        "  short: 1 2 3\n"
                        "  bad: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x16\n"
                        "  neg: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                        "     : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                        "\n"
                        "  eth1: 18446744073709551615 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
  auto parsed = ParseNetDev(content);
  ASSERT_EQ(parsed.devices.size(), 2u);
  EXPECT_EQ(parsed.devices[0].name, "eth0");
  EXPECT_EQ(parsed.devices[0].tx_compressed, 16u);
  EXPECT_EQ(parsed.devices[0].tx_carrier, 15u);
  EXPECT_EQ(parsed.devices[1].name, "eth1");
  EXPECT_EQ(parsed.devices[1].rx_bytes, UINT64_MAX);
  EXPECT_EQ(parsed.bad_lines.size(), 5u);
}

TEST(ParseNetDev, DuplicateNameKeepsLastAndHeaderOnlyIsEmpty) {
  auto parsed = ParseNetDev(std::string(kHeader) +
                            "a: 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                            "a: 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ASSERT_EQ(parsed.devices.size(), 1u);
  EXPECT_EQ(parsed.devices[0].rx_bytes, 2u);
  EXPECT_TRUE(ParseNetDev(kHeader).devices.empty());
  EXPECT_TRUE(ParseNetDev("").devices.empty());
}

TEST(NetDevCounters, ProcLegacyAndDetailedNames) {
  NetDevLine l;
  l.rx_errors = 1, l.rx_dropped = 2, l.tx_errors = 3, l.tx_dropped = 4, l.tx_colls = 5;
  auto legacy = AsMap(ProcNetDevCounters(l, false));
  EXPECT_EQ(legacy.size(), 16u);
  EXPECT_EQ(legacy.at("receive_errs"), 1u);
  EXPECT_EQ(legacy.at("receive_drop"), 2u);
  EXPECT_EQ(legacy.at("transmit_errs"), 3u);
  EXPECT_EQ(legacy.at("transmit_drop"), 4u);
  EXPECT_EQ(legacy.at("transmit_colls"), 5u);
  EXPECT_EQ(legacy.count("receive_nohandler"), 0u);  // the file has no such column
  auto detailed = AsMap(ProcNetDevCounters(l, true));
  EXPECT_EQ(detailed.size(), 16u);
  EXPECT_EQ(detailed.at("receive_errors"), 1u);
  EXPECT_EQ(detailed.at("transmit_dropped"), 4u);
  EXPECT_EQ(detailed.count("receive_errs"), 0u);
}

TEST(NetDevCounters, NetlinkLegacyFoldMatchesProcNetDev) {
  LinkStats s;
  for (size_t i = 0; i < s.v.size(); ++i) s.v[i] = 100 * (i + 1);  // all distinct
  auto m = AsMap(NetlinkCounters(s, false));
  ASSERT_EQ(m.size(), 17u);
  using F = LinkStats;
  EXPECT_EQ(m.at("receive_bytes"), s[F::kRxBytes]);
  EXPECT_EQ(m.at("receive_packets"), s[F::kRxPackets]);
  EXPECT_EQ(m.at("receive_drop"), s[F::kRxDropped] + s[F::kRxMissedErrors]);
  EXPECT_EQ(m.at("receive_frame"), s[F::kRxFrameErrors] + s[F::kRxLengthErrors] +
                                       s[F::kRxOverErrors] + s[F::kRxCrcErrors]);
  EXPECT_EQ(m.at("receive_fifo"), s[F::kRxFifoErrors]);
  EXPECT_EQ(m.at("receive_multicast"), s[F::kMulticast]);
  EXPECT_EQ(m.at("receive_nohandler"), s[F::kRxNohandler]);
  EXPECT_EQ(m.at("transmit_carrier"), s[F::kTxCarrierErrors] + s[F::kTxAbortedErrors] +
                                          s[F::kTxHeartbeatErrors] + s[F::kTxWindowErrors]);
  EXPECT_EQ(m.at("transmit_colls"), s[F::kCollisions]);
  EXPECT_EQ(m.at("transmit_errs"), s[F::kTxErrors]);
  EXPECT_EQ(m.at("transmit_fifo"), s[F::kTxFifoErrors]);
  auto d = AsMap(NetlinkCounters(s, true));
  EXPECT_EQ(d.size(), 24u);
  EXPECT_EQ(d.at("receive_missed_errors"), s[F::kRxMissedErrors]);
  EXPECT_EQ(d.at("collisions"), s[F::kCollisions]);
  EXPECT_EQ(d.count("receive_drop"), 0u);
}

// Builds netlink messages the way the kernel lays them out.
class DumpBuilder {
 public:
  void Link(const std::string& name, const void* stats64, size_t len64, const void* stats32,
            size_t len32, uint16_t type = RTM_NEWLINK) {
    size_t start = buf_.size();
    nlmsghdr hdr{};
    hdr.nlmsg_type = type;
    Append(&hdr, sizeof(hdr));
    ifinfomsg ifi{};
    Append(&ifi, sizeof(ifi));
    Attr(IFLA_MTU, "\xdc\x05\0\0", 4);
    if (!name.empty()) Attr(IFLA_IFNAME, name.c_str(), name.size() + 1);
    if (stats32) Attr(IFLA_STATS, stats32, len32);
    if (stats64) Attr(IFLA_STATS64, stats64, len64);
    uint32_t len = static_cast<uint32_t>(buf_.size() - start);
    std::memcpy(&buf_[start], &len, sizeof(len));
  }
  void Done() {
    nlmsghdr hdr{};
    hdr.nlmsg_len = NLMSG_LENGTH(4);
    hdr.nlmsg_type = NLMSG_DONE;
    Append(&hdr, sizeof(hdr));
    Append("\0\0\0\0", 4);
  }
  const std::string& bytes() const { return buf_; }

 private:
  void Append(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    buf_.resize(NLMSG_ALIGN(buf_.size()));
  }
  void Attr(uint16_t type, const void* p, size_t n) {
    rtattr a{};
    a.rta_len = static_cast<uint16_t>(RTA_LENGTH(n));
    a.rta_type = type;
    buf_.append(reinterpret_cast<const char*>(&a), sizeof(a));
    Append(p, n);
  }
  std::string buf_;
};

TEST(ParseLinkDump, Stats64Stats32AndMissing) {
  uint64_t s64[24];
  for (int i = 0; i < 24; ++i) s64[i] = (1ull << 40) + i;  // beyond 32 bits
  uint32_t s32[24];
  for (int i = 0; i < 24; ++i) s32[i] = 1000 + i;
  DumpBuilder b;
  b.Link("ens5", s64, sizeof(s64), s32, sizeof(s32));  // 64-bit wins
  b.Link("old0", nullptr, 0, s32, sizeof(s32));        // widened 32-bit
  b.Link("nostats", nullptr, 0, nullptr, 0);           // left out
  b.Link("", s64, sizeof(s64), nullptr, 0);            // no name: left out
  b.Link("k46", s64, 23 * 8, nullptr, 0);              // pre-4.6: no rx_nohandler
  b.Link("other", s64, sizeof(s64), nullptr, 0, RTM_NEWADDR);
  b.Done();
  b.Link("afterdone", s64, sizeof(s64), nullptr, 0);
  std::vector<LinkStats> links;
  ASSERT_TRUE(ParseLinkDump(b.bytes(), links));
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].name, "ens5");
  EXPECT_EQ(links[0][LinkStats::kRxPackets], (1ull << 40));
  EXPECT_EQ(links[0][LinkStats::kRxBytes], (1ull << 40) + 2);
  EXPECT_EQ(links[0][LinkStats::kRxNohandler], (1ull << 40) + 23);
  EXPECT_EQ(links[1].name, "old0");
  EXPECT_EQ(links[1][LinkStats::kTxPackets], 1001u);
  EXPECT_EQ(links[1][LinkStats::kRxNohandler], 1023u);
  EXPECT_EQ(links[2].name, "k46");
  EXPECT_EQ(links[2][LinkStats::kTxCompressed], (1ull << 40) + 22);
  EXPECT_EQ(links[2][LinkStats::kRxNohandler], 0u);
}

// Found by tests/fuzz/link_dump: an IFLA_IFNAME whose text is empty gave a
// link named "" (a device="" series); it is left out like a missing name.
TEST(ParseLinkDump, EmptyNameIsNoName) {
  uint64_t s64[24] = {};
  DumpBuilder b;
  b.Link(std::string("\0junk", 5), s64, sizeof(s64), nullptr, 0);
  b.Link("ens5", s64, sizeof(s64), nullptr, 0);
  b.Done();
  std::vector<LinkStats> links;
  ASSERT_TRUE(ParseLinkDump(b.bytes(), links));
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].name, "ens5");
}

TEST(ParseLinkDump, TruncatedAndErrorMessagesFail) {
  uint64_t s64[24] = {};
  DumpBuilder b;
  b.Link("eth0", s64, sizeof(s64), nullptr, 0);
  std::vector<LinkStats> links;
  std::string cut = b.bytes().substr(0, b.bytes().size() - 8);
  EXPECT_FALSE(ParseLinkDump(cut, links));
  EXPECT_TRUE(links.empty());
  DumpBuilder e;
  e.Link("x", s64, sizeof(s64), nullptr, 0, NLMSG_ERROR);
  EXPECT_FALSE(ParseLinkDump(e.bytes(), links));
  EXPECT_TRUE(ParseLinkDump("", links));
}

TEST(NetdevCollector, FixtureFromFile) {
  auto c = CreateNetdevCollector(FixturePaths(FixturePath("net/ec2")), FileSource());
  MetricSet set;
  c->Collect(set);
  auto bytes = testing::Find(set, "node_network_receive_bytes_total");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->type, MetricType::Counter);
  EXPECT_EQ(bytes->help, "Network device statistic receive_bytes.");
  EXPECT_EQ(SampleCount(set, "node_network_receive_bytes_total"), 4u);
  EXPECT_EQ(Value(set, "node_network_receive_bytes_total", {{"device", "ens5"}}), 73829104857.0);
  EXPECT_EQ(Value(set, "node_network_transmit_packets_total", {{"device", "ens5"}}), 23456789.0);
  EXPECT_EQ(Value(set, "node_network_receive_drop_total", {{"device", "ens5"}}), 17.0);
  EXPECT_EQ(Value(set, "node_network_receive_multicast_total", {{"device", "ens5"}}), 412.0);
  EXPECT_EQ(Value(set, "node_network_transmit_drop_total", {{"device", "docker0"}}), 3.0);
  EXPECT_EQ(Value(set, "node_network_transmit_colls_total", {{"device", "lo"}}), 0.0);
  EXPECT_EQ(set.Find("node_network_receive_nohandler_total"), nullptr);
  EXPECT_EQ(set.Find("node_network_address_info"), nullptr);
  size_t families = 0;
  for (const auto& f : testing::Decode(set.families())) {
    EXPECT_EQ(f.name.rfind("node_network_", 0), 0u) << f.name;
    ++families;
  }
  EXPECT_EQ(families, 16u);
}

TEST(NetdevCollector, IncludeExcludeFilters) {
  Paths paths = FixturePaths(FixturePath("net/ec2"));
  NetdevOptions o = FileSource();
  o.device_exclude = "^(veth|docker)";
  MetricSet set;
  CreateNetdevCollector(paths, o)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_network_receive_bytes_total"), 2u);
  EXPECT_EQ(Value(set, "node_network_receive_bytes_total", {{"device", "veth3f2a1b0"}}),
            -12345.678);

  o = FileSource();
  o.device_include = "ens";  // unanchored, as Go's MatchString
  MetricSet inc;
  CreateNetdevCollector(paths, o)->Collect(inc);
  EXPECT_EQ(SampleCount(inc, "node_network_receive_bytes_total"), 1u);
  EXPECT_EQ(Value(inc, "node_network_receive_bytes_total", {{"device", "ens5"}}), 73829104857.0);

  o = FileSource();
  o.device_whitelist = "^lo$";  // deprecated spelling still works
  MetricSet old;
  CreateNetdevCollector(paths, o)->Collect(old);
  EXPECT_EQ(SampleCount(old, "node_network_receive_bytes_total"), 1u);
}

TEST(NetdevCollector, BadFlagsThrowNamingTheFlag) {
  Paths paths = FixturePaths(FixturePath("net/ec2"));
  NetdevOptions o;
  o.device_include = "(";
  try {
    CreateNetdevCollector(paths, o);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.netdev.device-include"), std::string::npos);
  }
  o = {};
  o.device_include = "a";
  o.device_exclude = "b";
  EXPECT_THROW(CreateNetdevCollector(paths, o), std::invalid_argument);
  o = {};
  o.device_whitelist = "a";
  o.device_include = "b";
  EXPECT_THROW(CreateNetdevCollector(paths, o), std::invalid_argument);
}

TEST(NetdevCollector, MalformedLineSkippedAndLoggedOnce) {
  TempDir dir;
  dir.Write("proc/net/dev", std::string(kHeader) +
                                "  eth0: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n"
                                "  eth1: garbage\n"
                                "  eth2: 30 3 0 0 0 0 0 0 40 4 0 0 0 0 0 0\n");
  testing::LogCapture logs;
  auto c = CreateNetdevCollector(FixturePaths(dir.path()), FileSource());
  for (int i = 0; i < 3; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(SampleCount(set, "node_network_receive_bytes_total"), 2u);
    EXPECT_EQ(Value(set, "node_network_receive_bytes_total", {{"device", "eth2"}}), 30.0);
  }
  EXPECT_EQ(logs.Warnings("eth1"), 1u);
}

TEST(NetdevCollector, RereadsTheKeptOpenFile) {
  TempDir dir;
  dir.Write("proc/net/dev", std::string(kHeader) + "eth0: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n");
  auto c = CreateNetdevCollector(FixturePaths(dir.path()), FileSource());
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(Value(a, "node_network_receive_bytes_total", {{"device", "eth0"}}), 10.0);
  dir.Write("proc/net/dev", std::string(kHeader) + "eth0: 99 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n");
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_network_receive_bytes_total", {{"device", "eth0"}}), 99.0);
}

TEST(NetdevCollector, MissingFileFails) {
  TempDir dir;
  auto c = CreateNetdevCollector(FixturePaths(dir.path()), FileSource());
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
}

TEST(NetdevCollector, LabelIfAliasFromSysfs) {
  NetdevOptions o = FileSource();
  o.label_ifalias = true;
  MetricSet set;
  CreateNetdevCollector(FixturePaths(FixturePath("net/ec2")), o)->Collect(set);
  EXPECT_EQ(Value(set, "node_network_receive_bytes_total",
                  {{"device", "docker0"}, {"ifalias", "ray-containers"}}),
            1840221.0);
  EXPECT_EQ(Value(set, "node_network_receive_bytes_total", {{"device", "ens5"}, {"ifalias", ""}}),
            73829104857.0);
}

TEST(AddressScope, MatchesGoNetIPClassification) {
  EXPECT_EQ(AddressScope("127.0.0.1"), "link-local");
  EXPECT_EQ(AddressScope("::1"), "link-local");
  EXPECT_EQ(AddressScope("169.254.169.254"), "link-local");
  EXPECT_EQ(AddressScope("fe80::8e3a:61ff:fe0f:c277"), "link-local");
  EXPECT_EQ(AddressScope("224.0.0.251"), "link-local");
  EXPECT_EQ(AddressScope("ff02::1"), "link-local");
  EXPECT_EQ(AddressScope("ff01::1"), "interface-local");
  EXPECT_EQ(AddressScope("10.0.12.34"), "global");  // private is global unicast in Go
  EXPECT_EQ(AddressScope("2600:1f18::1"), "global");
  EXPECT_EQ(AddressScope("239.1.2.3"), "");
  EXPECT_EQ(AddressScope("0.0.0.0"), "");
  EXPECT_EQ(AddressScope("255.255.255.255"), "");
  EXPECT_EQ(AddressScope("not-an-ip"), "");
}

TEST(IsProcfsMount, DistinguishesFixtureFromProc) {
  EXPECT_FALSE(IsProcfsMount(FixturePath("net/ec2/proc")));
  if (!IsProcfsMount("/proc")) GTEST_SKIP() << "/proc is not a procfs mount here";
  EXPECT_TRUE(IsProcfsMount("/proc"));
}

// The live host: netlink and /proc/net/dev must report the same devices, and
// loopback's counters only grow between the two reads.
TEST(NetdevLive, NetlinkAgreesWithProcNetDev) {
  if (!IsProcfsMount("/proc")) GTEST_SKIP() << "no procfs";
  auto before = ReadFile("/proc/net/dev");
  ASSERT_TRUE(before);
  std::vector<LinkStats> links;
  int err = NetlinkDumpLinks(links);
  if (err == EPERM || err == EACCES || err == EAFNOSUPPORT) GTEST_SKIP() << "no rtnetlink";
  ASSERT_EQ(err, 0) << std::strerror(err);
  auto proc = ParseNetDev(*before);
  std::map<std::string, const LinkStats*> by_name;
  for (const auto& l : links) by_name[l.name] = &l;
  for (const auto& line : proc.devices) {
    ASSERT_TRUE(by_name.count(line.name)) << line.name;
    auto nl = AsMap(NetlinkCounters(*by_name[line.name], false));
    auto pf = AsMap(ProcNetDevCounters(line, false));
    for (const auto& [key, value] : pf) {
      EXPECT_GE(nl.at(key), value) << line.name << " " << key;
    }
  }
  // The default (auto) source on a real procfs is netlink: nohandler is there.
  NetdevOptions o;
  MetricSet set;
  CreateNetdevCollector(Paths{}, o)->Collect(set);
  EXPECT_GE(Value(set, "node_network_receive_nohandler_total", {{"device", "lo"}}), 0.0);
  EXPECT_EQ(SampleCount(set, "node_network_receive_bytes_total"), proc.devices.size());
  // --no-collector.netdev.netlink reads the file: no nohandler.
  o.netlink = false;
  MetricSet file;
  CreateNetdevCollector(Paths{}, o)->Collect(file);
  EXPECT_EQ(file.Find("node_network_receive_nohandler_total"), nullptr);
  EXPECT_EQ(SampleCount(file, "node_network_receive_bytes_total"), proc.devices.size());
}

TEST(NetdevLive, AddressInfoHasLoopback) {
  NetdevOptions o = FileSource();
  o.address_info = true;
  MetricSet set;
  CreateNetdevCollector(Paths{}, o)->Collect(set);
  auto f = testing::Find(set, "node_network_address_info");
  if (!f) GTEST_SKIP() << "no addresses";
  EXPECT_EQ(f->help, "node network address by device");
  EXPECT_EQ(Value(set, "node_network_address_info",
                  {{"address", "127.0.0.1"}, {"device", "lo"}, {"netmask", "8"},
                   {"scope", "link-local"}}),
            1.0);
}

}  // namespace
}  // namespace node_agent
