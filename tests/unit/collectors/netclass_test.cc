#include "collectors/netclass.h"

#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "lib/rtnl.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

constexpr double kAbsent = -12345.678;

bool set_has_speed(const MetricSet& set) { return set.Find("node_network_speed_bytes") != nullptr; }

TEST(ParseSysfsInt, GoBaseZeroSemantics) {
  EXPECT_EQ(ParseSysfsInt("1500"), 1500);
  EXPECT_EQ(ParseSysfsInt("-1"), -1);
  EXPECT_EQ(ParseSysfsInt("+7"), 7);
  EXPECT_EQ(ParseSysfsInt("0"), 0);
  EXPECT_EQ(ParseSysfsInt("0x1303"), 4867);
  EXPECT_EQ(ParseSysfsInt("0X20"), 32);
  EXPECT_EQ(ParseSysfsInt("-0x10"), -16);
  EXPECT_EQ(ParseSysfsInt("010"), 8);
  EXPECT_EQ(ParseSysfsInt("0o17"), 15);
  EXPECT_EQ(ParseSysfsInt("0b101"), 5);
  EXPECT_EQ(ParseSysfsInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseSysfsInt("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseSysfsInt("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseSysfsInt(""), std::nullopt);
  EXPECT_EQ(ParseSysfsInt("0x"), std::nullopt);
  EXPECT_EQ(ParseSysfsInt("09"), std::nullopt);  // not octal
  EXPECT_EQ(ParseSysfsInt("12abc"), std::nullopt);
  EXPECT_EQ(ParseSysfsInt("up"), std::nullopt);
}

TEST(SetNetClassAttribute, TrimsAndIgnoresUnknown) {
  NetClassIface iface;
  EXPECT_TRUE(SetNetClassAttribute(iface, "mtu", " 9001\n"));
  EXPECT_EQ(iface.mtu, 9001);
  EXPECT_TRUE(SetNetClassAttribute(iface, "operstate", "up\n"));
  EXPECT_EQ(iface.operstate, "up");
  EXPECT_TRUE(SetNetClassAttribute(iface, "ifalias", "\n"));
  EXPECT_EQ(iface.ifalias, "");
  EXPECT_TRUE(SetNetClassAttribute(iface, "speed", "garbage\n"));
  EXPECT_EQ(iface.speed, std::nullopt);
  EXPECT_FALSE(SetNetClassAttribute(iface, "phys_port_id", "abc"));
  EXPECT_FALSE(SetNetClassAttribute(iface, "uevent", "INTERFACE=eth0"));
}

TEST(AdminState, FromIffUp) {
  NetClassIface iface;
  EXPECT_EQ(AdminState(iface), "unknown");
  iface.flags = 0x1003;
  EXPECT_EQ(AdminState(iface), "up");
  iface.flags = 0x1002;
  EXPECT_EQ(AdminState(iface), "down");
}

TEST(AddNetClassMetrics, SpeedConversionAndInvalidSpeed) {
  NetClassIface iface;
  iface.name = "eth0";
  iface.speed = 25000;
  MetricSet a;
  AddNetClassMetrics(iface, true, a);
  EXPECT_EQ(Value(a, "node_network_speed_bytes", {{"device", "eth0"}}), 3125000000.0);
  iface.speed = -1;
  MetricSet b;
  AddNetClassMetrics(iface, false, b);
  EXPECT_EQ(Value(b, "node_network_speed_bytes", {{"device", "eth0"}}), -125000.0);
  MetricSet c;
  AddNetClassMetrics(iface, true, c);
  EXPECT_EQ(c.Find("node_network_speed_bytes"), nullptr);
  // Only up and info when nothing else could be read.
  EXPECT_EQ(c.families().size(), 2u);
  EXPECT_EQ(Value(c, "node_network_up", {{"device", "eth0"}}), 0.0);
}

std::unique_ptr<Collector> Fixture(bool ignore_invalid_speed, std::string ignored = "^$") {
  NetclassOptions o;
  o.ignore_invalid_speed = ignore_invalid_speed;
  o.ignored_devices = std::move(ignored);
  return CreateNetclassCollector(FixturePaths(FixturePath("net/ec2")), o);
}

TEST(NetclassCollector, Ec2Fixture) {
  MetricSet set;
  Fixture(false)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_network_up"), 4u);
  EXPECT_EQ(Value(set, "node_network_up", {{"device", "ens5"}}), 1.0);
  EXPECT_EQ(Value(set, "node_network_up", {{"device", "lo"}}), 0.0);  // operstate unknown
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "0a:1b:2c:3d:4e:5f"},
                   {"adminstate", "up"},
                   {"broadcast", "ff:ff:ff:ff:ff:ff"},
                   {"device", "ens5"},
                   {"duplex", "full"},
                   {"ifalias", ""},
                   {"operstate", "up"}}),
            1.0);
  // lo has no duplex file: the label is empty, not missing.
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "00:00:00:00:00:00"},
                   {"adminstate", "up"},
                   {"broadcast", "00:00:00:00:00:00"},
                   {"device", "lo"},
                   {"duplex", ""},
                   {"ifalias", ""},
                   {"operstate", "unknown"}}),
            1.0);
  EXPECT_EQ(Value(set, "node_network_mtu_bytes", {{"device", "ens5"}}), 9001.0);
  EXPECT_EQ(Value(set, "node_network_mtu_bytes", {{"device", "lo"}}), 65536.0);
  EXPECT_EQ(Value(set, "node_network_flags", {{"device", "ens5"}}), 4099.0);
  EXPECT_EQ(Value(set, "node_network_iface_id", {{"device", "veth3f2a1b0"}}), 5.0);
  EXPECT_EQ(Value(set, "node_network_iface_link", {{"device", "veth3f2a1b0"}}), 4.0);
  EXPECT_EQ(Value(set, "node_network_protocol_type", {{"device", "lo"}}), 772.0);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "ens5"}}), 3125000000.0);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "veth3f2a1b0"}}), 1250000000.0);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "docker0"}}), -125000.0);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "lo"}}), kAbsent);
  EXPECT_EQ(Value(set, "node_network_name_assign_type", {{"device", "ens5"}}), 4.0);
  EXPECT_EQ(Value(set, "node_network_name_assign_type", {{"device", "lo"}}), kAbsent);
  EXPECT_EQ(Value(set, "node_network_transmit_queue_length", {{"device", "docker0"}}), 0.0);
  EXPECT_EQ(Value(set, "node_network_carrier_changes_total", {{"device", "docker0"}}), 3.0);
  EXPECT_EQ(Value(set, "node_network_address_assign_type", {{"device", "veth3f2a1b0"}}), 1.0);
  auto changes = testing::Find(set, "node_network_carrier_up_changes_total");
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->type, MetricType::Counter);
  EXPECT_EQ(changes->help, "Network device property: carrier_up_changes_total");
  auto info = testing::Find(set, "node_network_info");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->type, MetricType::Gauge);
  EXPECT_EQ(info->help, "Non-numeric data from /sys/class/net/<iface>, value is always 1.");
}

TEST(NetclassCollector, IgnoreInvalidSpeedAndIgnoredDevices) {
  MetricSet set;
  Fixture(true, "^(veth|lo$)")->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_network_up"), 2u);
  EXPECT_EQ(Value(set, "node_network_up", {{"device", "veth3f2a1b0"}}), kAbsent);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "docker0"}}), kAbsent);
  EXPECT_EQ(SampleCount(set, "node_network_speed_bytes"), 1u);
}

TEST(NetclassCollector, BadRegexNamesFlag) {
  try {
    Fixture(false, "([");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.netclass.ignored-devices"), std::string::npos);
  }
}

// An interface in a scratch tree: a directory of attribute files.
void WriteIface(const TempDir& dir, const std::string& name, int ifindex,
                const std::string& mtu = "1500") {
  std::string base = "sys/class/net/" + name + "/";
  dir.Write(base + "ifindex", std::to_string(ifindex) + "\n");
  dir.Write(base + "iflink", std::to_string(ifindex) + "\n");
  dir.Write(base + "mtu", mtu + "\n");
  dir.Write(base + "operstate", "up\n");
  dir.Write(base + "flags", "0x1003\n");
  dir.Write(base + "address", "02:00:00:00:00:01\n");
}

TEST(NetclassCollector, UnreadableAndMalformedAttributesAreLeftOut) {
  TempDir dir;
  WriteIface(dir, "eth0", 2, "not-a-number");
  // A speed that cannot be read (a FIFO reads as empty without blocking; a
  // directory fails with EISDIR), like EINVAL from a down link.
  ASSERT_EQ(mkfifo((dir.path() + "/sys/class/net/eth0/speed").c_str(), 0600), 0);
  std::filesystem::create_directories(dir.path() + "/sys/class/net/eth0/duplex");
  WriteIface(dir, "eth1", 3);
  dir.Write("sys/class/net/eth1/speed", "\n");
  dir.Write("sys/class/net/bonding_masters", "bond0\n");  // a file, not a device
  NetclassOptions o;
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_network_up"), 2u);
  EXPECT_EQ(set.Find("node_network_speed_bytes"), nullptr);
  EXPECT_EQ(Value(set, "node_network_mtu_bytes", {{"device", "eth0"}}), kAbsent);
  EXPECT_EQ(Value(set, "node_network_mtu_bytes", {{"device", "eth1"}}), 1500.0);
  EXPECT_EQ(Value(set, "node_network_iface_id", {{"device", "eth0"}}), 2.0);
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "02:00:00:00:00:01"},
                   {"adminstate", "up"},
                   {"broadcast", ""},
                   {"device", "eth0"},
                   {"duplex", ""},
                   {"ifalias", ""},
                   {"operstate", "up"}}),
            1.0);
}

TEST(NetclassCollector, MissingClassNetIsNoData) {
  TempDir dir;
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(NetclassCollector, DynamicAttrsRereadStaticOnesCachedUntilRecreated) {
  TempDir dir;
  WriteIface(dir, "veth0", 7);
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(Value(a, "node_network_iface_id", {{"device", "veth0"}}), 7.0);
  EXPECT_EQ(Value(a, "node_network_mtu_bytes", {{"device", "veth0"}}), 1500.0);

  // Same device, changed MTU (and, artificially, ifindex): MTU follows,
  // ifindex is the cached value read when the device appeared.
  dir.Write("sys/class/net/veth0/mtu", "9001\n");
  dir.Write("sys/class/net/veth0/ifindex", "8\n");
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_network_mtu_bytes", {{"device", "veth0"}}), 9001.0);
  EXPECT_EQ(Value(b, "node_network_iface_id", {{"device", "veth0"}}), 7.0);

  // Re-created under the same name (new inode): static attributes re-read.
  // The new directory exists before the old one goes, so inodes differ.
  WriteIface(dir, "veth0.new", 9);
  std::filesystem::remove_all(dir.path() + "/sys/class/net/veth0");
  std::filesystem::rename(dir.path() + "/sys/class/net/veth0.new",
                          dir.path() + "/sys/class/net/veth0");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_network_iface_id", {{"device", "veth0"}}), 9.0);

  // Removed: gone from the next scrape.
  std::filesystem::remove_all(dir.path() + "/sys/class/net/veth0");
  MetricSet e;
  c->Collect(e);
  EXPECT_EQ(SampleCount(e, "node_network_up"), 0u);
}

// Attribute descriptors stay open between scrapes and are re-read with
// pread: values written in place are seen, a re-created device is read from
// its new files (not the old, still open ones), and nothing leaks.
size_t OpenFds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(NetclassCollector, KeepsAttributesOpenAndFollowsRecreatedDevice) {
  TempDir dir;
  WriteIface(dir, "veth0", 7);
  size_t before = OpenFds();
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet a;
  c->Collect(a);
  // The dirfd and the 5 dynamic attributes present (mtu, operstate, flags,
  // address, iflink); the 14 absent ones hold no descriptor.
  EXPECT_EQ(OpenFds(), before + 6);
  EXPECT_EQ(Value(a, "node_network_mtu_bytes", {{"device", "veth0"}}), 1500.0);

  dir.Write("sys/class/net/veth0/mtu", "9001\n");  // in place: same inode
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_network_mtu_bytes", {{"device", "veth0"}}), 9001.0);
  EXPECT_EQ(OpenFds(), before + 6);

  // Re-created: the old directory's files stay readable through the kept
  // descriptors (a regular file system), so only the inode check sees it.
  WriteIface(dir, "veth0.new", 9, "1400");
  dir.Write("sys/class/net/veth0.new/speed", "1000\n");
  std::filesystem::remove_all(dir.path() + "/sys/class/net/veth0");
  std::filesystem::rename(dir.path() + "/sys/class/net/veth0.new",
                          dir.path() + "/sys/class/net/veth0");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_network_mtu_bytes", {{"device", "veth0"}}), 1400.0);
  EXPECT_EQ(Value(d, "node_network_iface_link", {{"device", "veth0"}}), 9.0);
  EXPECT_EQ(Value(d, "node_network_speed_bytes", {{"device", "veth0"}}), 125000000.0);
  EXPECT_EQ(OpenFds(), before + 7);

  std::filesystem::remove_all(dir.path() + "/sys/class/net/veth0");
  MetricSet e;
  c->Collect(e);
  EXPECT_EQ(SampleCount(e, "node_network_up"), 0u);
  EXPECT_EQ(OpenFds(), before);
}

// A read that fails (EINVAL for a down link's speed; here EISDIR) leaves the
// attribute out for that scrape only: it is tried again every scrape.
TEST(NetclassCollector, FailingAttributeComesBack) {
  TempDir dir;
  WriteIface(dir, "eth0", 2);
  std::filesystem::create_directories(dir.path() + "/sys/class/net/eth0/speed");
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(set_has_speed(a), false);
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(set_has_speed(b), false);

  std::filesystem::remove(dir.path() + "/sys/class/net/eth0/speed");
  dir.Write("sys/class/net/eth0/speed", "100\n");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_network_speed_bytes", {{"device", "eth0"}}), 12500000.0);
  dir.Write("sys/class/net/eth0/speed", "-1\n");  // in place, e.g. link down
  MetricSet e;
  c->Collect(e);
  EXPECT_EQ(Value(e, "node_network_speed_bytes", {{"device", "eth0"}}), -125000.0);
}

// A device attribute file never appears later on sysfs, so one found missing
// is not looked for again until the device is re-created.
TEST(NetclassCollector, AbsentAttributeSkippedUntilRecreated) {
  TempDir dir;
  WriteIface(dir, "eth0", 2);
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(Value(a, "node_network_carrier", {{"device", "eth0"}}), kAbsent);
  dir.Write("sys/class/net/eth0/carrier", "1\n");
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_network_carrier", {{"device", "eth0"}}), kAbsent);

  WriteIface(dir, "eth0.new", 2);
  dir.Write("sys/class/net/eth0.new/carrier", "1\n");
  std::filesystem::remove_all(dir.path() + "/sys/class/net/eth0");
  std::filesystem::rename(dir.path() + "/sys/class/net/eth0.new", dir.path() + "/sys/class/net/eth0");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_network_carrier", {{"device", "eth0"}}), 1.0);
}

// Past the descriptor budget devices are read open-read-close, with the same
// values; ignored devices hold nothing.
TEST(NetclassCollector, FdBudgetFallsBackToOpenReadClose) {
  TempDir dir;
  WriteIface(dir, "eth0", 2);
  WriteIface(dir, "eth1", 3);
  WriteIface(dir, "lo", 1);
  size_t before = OpenFds();
  NetclassOptions o;
  o.max_cached_fds = 19;  // one device's share
  o.ignored_devices = "^lo$";
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), o);
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(OpenFds(), before + 2 + 5);  // two dirfds, eth0's attributes
  EXPECT_EQ(SampleCount(a, "node_network_up"), 2u);
  // Replaced by rename: an open-read-close device sees it at once.
  dir.Write("sys/class/net/eth1/mtu.tmp", "1280\n");
  std::filesystem::rename(dir.path() + "/sys/class/net/eth1/mtu.tmp",
                          dir.path() + "/sys/class/net/eth1/mtu");
  dir.Write("sys/class/net/eth0/mtu", "9000\n");
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_network_mtu_bytes", {{"device", "eth0"}}), 9000.0);
  EXPECT_EQ(Value(b, "node_network_mtu_bytes", {{"device", "eth1"}}), 1280.0);
  EXPECT_EQ(Value(b, "node_network_iface_id", {{"device", "eth1"}}), 3.0);
  c.reset();
  EXPECT_EQ(OpenFds(), before);
}

// node_exporter's conformance fixture holds sys/class/net/eth0 as a plain file
// naming the link target (unpacked without symlinks); it is still a device.
TEST(NetclassCollector, FollowsLinkStoredAsFile) {
  TempDir dir;
  WriteIface(dir, "../../devices/virtual/net/eth0", 4);  // sys/devices/virtual/net/eth0
  dir.Write("sys/class/net/eth0", "../../devices/virtual/net/eth0/");
  dir.Write("sys/class/net/notalink", "../../nowhere/");
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), NetclassOptions{});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_network_up"), 1u);
  EXPECT_EQ(Value(set, "node_network_iface_id", {{"device", "eth0"}}), 4.0);
}


// ---------------------------------------------------------------------------
// netlink

// Crafted RTM_GETLINK dump messages.
class LinkMsgBuilder {
 public:
  // Starts an RTM_NEWLINK message (or another type).
  LinkMsgBuilder& Begin(int32_t ifindex, uint32_t flags, uint16_t type = 1,
                        uint16_t msg_type = RTM_NEWLINK) {
    start_ = buf_.size();
    nlmsghdr hdr{};
    hdr.nlmsg_type = msg_type;
    Append(&hdr, sizeof(hdr));
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    ifi.ifi_type = type;
    ifi.ifi_flags = flags;
    Append(&ifi, sizeof(ifi));
    return *this;
  }
  LinkMsgBuilder& Attr(uint16_t type, const void* p, size_t n) {
    rtattr a{};
    a.rta_len = static_cast<uint16_t>(RTA_LENGTH(n));
    a.rta_type = type;
    buf_.append(reinterpret_cast<const char*>(&a), sizeof(a));
    Append(p, n);
    return *this;
  }
  LinkMsgBuilder& Str(uint16_t type, const std::string& v) { return Attr(type, v.c_str(), v.size() + 1); }
  LinkMsgBuilder& U32(uint16_t type, uint32_t v) { return Attr(type, &v, 4); }
  LinkMsgBuilder& U8(uint16_t type, uint8_t v) { return Attr(type, &v, 1); }
  LinkMsgBuilder& Raw(const std::string& bytes) {  // appended as is
    buf_ += bytes;
    return *this;
  }
  LinkMsgBuilder& End() {
    uint32_t len = static_cast<uint32_t>(buf_.size() - start_);
    std::memcpy(&buf_[start_], &len, sizeof(len));
    return *this;
  }
  // A link as rtnl_fill_ifinfo sends it for an up Ethernet device.
  LinkMsgBuilder& Ethernet(const std::string& name, int32_t ifindex, uint32_t flags = 0x11043) {
    Begin(ifindex, flags).Str(IFLA_IFNAME, name).U32(IFLA_TXQLEN, 1000).U8(IFLA_OPERSTATE, 6);
    U8(IFLA_LINKMODE, 0).U32(IFLA_MTU, 1500).U32(IFLA_GROUP, 0).U32(IFLA_PROMISCUITY, 0);
    U8(IFLA_CARRIER, 1).U32(IFLA_CARRIER_CHANGES, 3).U32(IFLA_CARRIER_UP_COUNT, 2);
    U32(IFLA_CARRIER_DOWN_COUNT, 1);
    Attr(IFLA_ADDRESS, "\x02\xfc\x00\x00\x0a\xBB", 6).Attr(IFLA_BROADCAST, "\xff\xff\xff\xff\xff\xff", 6);
    return End();
  }
  LinkMsgBuilder& Done() {
    nlmsghdr hdr{};
    hdr.nlmsg_len = NLMSG_LENGTH(4);
    hdr.nlmsg_type = NLMSG_DONE;
    Append(&hdr, sizeof(hdr));
    Append("\0\0\0\0", 4);
    return *this;
  }
  const std::string& bytes() const { return buf_; }

 private:
  void Append(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    buf_.resize(NLMSG_ALIGN(buf_.size()));
  }
  std::string buf_;
  size_t start_ = 0;
};

TEST(ParseRtnlLinkDump, ReadsTheAttributesNetclassUses) {
  LinkMsgBuilder b;
  b.Ethernet("eth0", 4);
  b.Begin(9, 0x1091, 1).Str(IFLA_IFNAME, "veth1").U32(IFLA_LINK, 10).Str(IFLA_IFALIAS, " uplink ");
  b.U32(IFLA_MTU, 0xffffffffu).End();
  b.Begin(3, 0, 1, RTM_NEWADDR).Str(IFLA_IFNAME, "notalink").End();  // skipped
  b.Done();
  b.Ethernet("afterdone", 5);
  std::vector<RtnlLinkAttrs> links;
  ASSERT_TRUE(ParseRtnlLinkDump(b.bytes(), links));
  ASSERT_EQ(links.size(), 2u);
  const RtnlLinkAttrs& e = links[0];
  EXPECT_TRUE(e.valid);
  EXPECT_EQ(e.name, "eth0");
  EXPECT_EQ(e.ifindex, 4);
  EXPECT_EQ(e.type, 1);
  EXPECT_EQ(e.flags, 0x11043u);
  EXPECT_EQ(e.mtu, 1500u);
  EXPECT_EQ(e.tx_queue_len, 1000u);
  EXPECT_EQ(e.operstate, 6);
  EXPECT_EQ(e.carrier, 1);
  EXPECT_EQ(e.carrier_changes, 3u);
  EXPECT_EQ(e.carrier_up_count, 2u);
  EXPECT_EQ(e.carrier_down_count, 1u);
  EXPECT_EQ(e.address, std::string("\x02\xfc\x00\x00\x0a\xbb", 6));
  EXPECT_FALSE(e.link);
  EXPECT_EQ(e.ifalias, "");
  const RtnlLinkAttrs& v = links[1];
  EXPECT_TRUE(v.valid);
  EXPECT_EQ(v.link, 10u);
  EXPECT_EQ(v.ifalias, " uplink ");
  EXPECT_FALSE(v.carrier);
  EXPECT_FALSE(v.address);
}

TEST(ParseRtnlLinkDump, MalformedLinkIsMarkedAndTheRestParsed) {
  LinkMsgBuilder b;
  // An attribute whose length runs past the message.
  rtattr bad{};
  bad.rta_len = 200;
  bad.rta_type = IFLA_MTU;
  b.Begin(2, 0x1003).Str(IFLA_IFNAME, "bad0").Raw(std::string(reinterpret_cast<char*>(&bad), 4)).End();
  // A u32 attribute with a 2-byte payload.
  b.Begin(3, 0x1003).Str(IFLA_IFNAME, "bad1").Attr(IFLA_MTU, "\x01\x02", 2).End();
  // No name.
  b.Begin(5, 0x1003).U32(IFLA_MTU, 1500).End();
  // Shorter than ifinfomsg.
  std::string tiny(NLMSG_HDRLEN + 4, '\0');
  nlmsghdr th{};
  th.nlmsg_len = static_cast<uint32_t>(tiny.size());
  th.nlmsg_type = RTM_NEWLINK;
  std::memcpy(tiny.data(), &th, sizeof(th));
  b.Raw(tiny);
  b.Ethernet("eth0", 4);
  b.Done();
  std::vector<RtnlLinkAttrs> links;
  ASSERT_TRUE(ParseRtnlLinkDump(b.bytes(), links));
  ASSERT_EQ(links.size(), 5u);
  EXPECT_FALSE(links[0].valid);
  EXPECT_EQ(links[0].name, "bad0");
  EXPECT_FALSE(links[1].valid);
  EXPECT_EQ(links[1].name, "bad1");
  EXPECT_FALSE(links[2].valid);
  EXPECT_FALSE(links[3].valid);
  EXPECT_TRUE(links[4].valid);
  EXPECT_EQ(links[4].name, "eth0");
}

TEST(ParseRtnlLinkDump, TruncatedAndErrorMessagesFail) {
  LinkMsgBuilder b;
  b.Ethernet("eth0", 4);
  std::vector<RtnlLinkAttrs> links;
  EXPECT_FALSE(ParseRtnlLinkDump(b.bytes().substr(0, b.bytes().size() - 8), links));
  LinkMsgBuilder e;
  e.Begin(1, 0, 1, NLMSG_ERROR).End();
  links.clear();
  EXPECT_FALSE(ParseRtnlLinkDump(e.bytes(), links));
  EXPECT_TRUE(ParseRtnlLinkDump("", links));
}

RtnlLinkAttrs ParseOne(const LinkMsgBuilder& b) {
  std::vector<RtnlLinkAttrs> links;
  EXPECT_TRUE(ParseRtnlLinkDump(b.bytes(), links));
  EXPECT_EQ(links.size(), 1u);
  return links.empty() ? RtnlLinkAttrs{} : links[0];
}

TEST(ApplyRtnlLinkAttrs, UpLinkGivesWhatSysfsShows) {
  LinkMsgBuilder b;
  b.Ethernet("eth0", 4, 0x11043 | 0x20000);  // UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP|DORMANT
  NetClassIface iface;
  uint32_t taken = ApplyRtnlLinkAttrs(ParseOne(b), iface);
  EXPECT_EQ(iface.address, "02:fc:00:00:0a:bb");
  EXPECT_EQ(iface.broadcast, "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(iface.operstate, "up");
  EXPECT_EQ(iface.carrier, 1);
  EXPECT_EQ(iface.dormant, 1);
  EXPECT_EQ(iface.carrier_changes, 3);
  EXPECT_EQ(iface.carrier_up_count, 2);
  EXPECT_EQ(iface.carrier_down_count, 1);
  EXPECT_EQ(iface.iflink, 4);  // no IFLA_LINK: the device itself
  EXPECT_EQ(iface.mtu, 1500);
  EXPECT_EQ(iface.tx_queue_len, 1000);
  EXPECT_EQ(iface.netdev_group, 0);
  EXPECT_EQ(iface.link_mode, 0);
  EXPECT_EQ(iface.type, 1);
  EXPECT_EQ(iface.ifalias, "");
  // Left to sysfs: dev->flags, addr_assign_type, and ethtool's speed/duplex.
  EXPECT_EQ(taken & (kNcFlags | kNcAddrAssignType | kNcSpeed | kNcDuplex), 0u);
  EXPECT_FALSE(iface.flags);
  EXPECT_FALSE(iface.speed);
  uint32_t all = (kNcType << 1) - 1;
  EXPECT_EQ(taken, all & ~(kNcFlags | kNcAddrAssignType | kNcSpeed | kNcDuplex));
}

TEST(ApplyRtnlLinkAttrs, DownLinkHasNoCarrierDormantSpeedOrDuplex) {
  LinkMsgBuilder b;
  b.Begin(2, 0x82).Str(IFLA_IFNAME, "ifb0").U8(IFLA_OPERSTATE, 2).U8(IFLA_CARRIER, 1).End();
  NetClassIface iface;
  iface.carrier = 7;  // must be cleared
  iface.duplex = "full";
  uint32_t taken = ApplyRtnlLinkAttrs(ParseOne(b), iface);
  EXPECT_FALSE(iface.carrier);  // sysfs: EINVAL, although netif_carrier_ok()
  EXPECT_FALSE(iface.dormant);
  EXPECT_FALSE(iface.speed);
  EXPECT_EQ(iface.duplex, "");
  EXPECT_EQ(iface.operstate, "down");
  EXPECT_EQ(taken & (kNcCarrier | kNcDormant | kNcSpeed | kNcDuplex),
            kNcCarrier | kNcDormant | kNcSpeed | kNcDuplex);
  EXPECT_EQ(iface.address, "");  // addr_len 0: sysfs prints an empty line
  EXPECT_EQ(iface.broadcast, "");
}

TEST(ApplyRtnlLinkAttrs, KernelFormattingEdges) {
  LinkMsgBuilder b;
  std::string ib(20, '\0');
  for (size_t i = 0; i < ib.size(); ++i) ib[i] = static_cast<char>(0xf0 + (i % 16));
  b.Begin(9, 0x1091, 32).Str(IFLA_IFNAME, "ib0").U32(IFLA_LINK, 0xfffffffeu);
  b.Str(IFLA_IFALIAS, "  to core\t").U32(IFLA_MTU, 0xffffffffu).U32(IFLA_GROUP, 0x80000000u);
  b.U8(IFLA_OPERSTATE, 9).Attr(IFLA_ADDRESS, ib.data(), ib.size()).End();
  NetClassIface iface;
  uint32_t taken = ApplyRtnlLinkAttrs(ParseOne(b), iface);
  EXPECT_EQ(iface.iflink, -2);  // "%d"
  // Above INT_MAX "%d", "%u" and "%lu" differ: left to the file.
  EXPECT_FALSE(iface.mtu);
  EXPECT_FALSE(iface.netdev_group);
  EXPECT_EQ(taken & (kNcMtu | kNcNetdevGroup), 0u);
  EXPECT_EQ(iface.ifalias, "to core");  // trimmed as the file's content is
  EXPECT_EQ(iface.operstate, "");       // past "up": EINVAL in sysfs
  EXPECT_TRUE(taken & kNcOperstate);
  EXPECT_EQ(iface.address,
            "f0:f1:f2:f3:f4:f5:f6:f7:f8:f9:fa:fb:fc:fd:fe:ff:f0:f1:f2:f3");
  EXPECT_EQ(iface.type, 32);
  EXPECT_EQ(iface.dormant, 0);
  // Attributes the message lacks (an older kernel) are read from sysfs.
  EXPECT_EQ(taken & (kNcCarrier | kNcCarrierUpCount | kNcCarrierDownCount | kNcCarrierChanges |
                     kNcTxQueueLen | kNcLinkMode),
            0u);
}

// A scratch tree of two devices whose values differ from `Dump()`'s, so the
// source of each attribute shows in the samples.
void WriteNetlinkTree(const TempDir& dir) {
  WriteIface(dir, "eth0", 4);
  dir.Write("sys/class/net/eth0/speed", "1000\n");
  dir.Write("sys/class/net/eth0/duplex", "full\n");
  dir.Write("sys/class/net/eth0/addr_assign_type", "0\n");
  dir.Write("sys/class/net/eth0/carrier", "0\n");
  WriteIface(dir, "lo", 1, "65536");
  dir.Write("sys/class/net/lo/flags", "0x9\n");
}

std::string TwoLinkDump(bool bad_eth0 = false) {
  LinkMsgBuilder b;
  b.Begin(1, 0x49, 772).Str(IFLA_IFNAME, "lo").U32(IFLA_MTU, 65536).U8(IFLA_OPERSTATE, 0);
  b.U8(IFLA_CARRIER, 1).End();
  if (bad_eth0) {
    b.Begin(4, 0x11043).Str(IFLA_IFNAME, "eth0").Attr(IFLA_MTU, "\x01", 1).End();
  } else {
    b.Ethernet("eth0", 4);  // mtu 1500 as the file; carrier 1 where the file says 0
  }
  b.Done();
  return b.bytes();
}

std::unique_ptr<Collector> NetlinkCollector(const TempDir& dir, std::function<int(std::string&)> dump) {
  NetclassOptions o;
  o.source = NetclassOptions::Source::kNetlink;
  o.dump_for_test = std::move(dump);
  return CreateNetclassCollector(FixturePaths(dir.path()), o);
}

TEST(NetclassCollector, NetlinkSourceTakesDumpAndReadsTheRestFromSysfs) {
  TempDir dir;
  WriteNetlinkTree(dir);
  int dumps = 0;
  auto c = NetlinkCollector(dir, [&](std::string& out) {
    ++dumps;
    out = TwoLinkDump();
    return 0;
  });
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(dumps, 1);
  EXPECT_EQ(Value(set, "node_network_carrier", {{"device", "eth0"}}), 1.0);  // netlink
  EXPECT_EQ(Value(set, "node_network_carrier_up_changes_total", {{"device", "eth0"}}), 2.0);
  EXPECT_EQ(Value(set, "node_network_speed_bytes", {{"device", "eth0"}}), 125000000.0);  // sysfs
  EXPECT_EQ(Value(set, "node_network_flags", {{"device", "eth0"}}), 4099.0);  // sysfs, not ifi_flags
  EXPECT_EQ(Value(set, "node_network_address_assign_type", {{"device", "eth0"}}), 0.0);
  EXPECT_EQ(Value(set, "node_network_protocol_type", {{"device", "lo"}}), 772.0);
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", "02:fc:00:00:0a:bb"},
                   {"adminstate", "up"},
                   {"broadcast", "ff:ff:ff:ff:ff:ff"},
                   {"device", "eth0"},
                   {"duplex", "full"},
                   {"ifalias", ""},
                   {"operstate", "up"}}),
            1.0);
  EXPECT_EQ(Value(set, "node_network_info",
                  {{"address", ""},
                   {"adminstate", "up"},
                   {"broadcast", ""},
                   {"device", "lo"},
                   {"duplex", ""},
                   {"ifalias", ""},
                   {"operstate", "unknown"}}),
            1.0);
}

TEST(NetclassCollector, NetlinkMalformedLinkReadFromSysfsLoggedOnce) {
  TempDir dir;
  WriteNetlinkTree(dir);
  testing::LogCapture logs;
  auto c = NetlinkCollector(dir, [&](std::string& out) {
    out = TwoLinkDump(/*bad_eth0=*/true);
    return 0;
  });
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(SampleCount(set, "node_network_up"), 2u);
    EXPECT_EQ(Value(set, "node_network_carrier", {{"device", "eth0"}}), 0.0);  // the file
    EXPECT_EQ(Value(set, "node_network_protocol_type", {{"device", "lo"}}), 772.0);
  }
  EXPECT_EQ(logs.Warnings("malformed netlink link"), 1u);
}

TEST(NetclassCollector, NetlinkFailureOrMismatchReadsSysfs) {
  TempDir dir;
  WriteNetlinkTree(dir);
  std::string dump;
  int err = 0;
  auto c = NetlinkCollector(dir, [&](std::string& out) {
    out = dump;
    return err;
  });
  auto carrier = [&] {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(SampleCount(set, "node_network_up"), 2u);
    return Value(set, "node_network_carrier", {{"device", "eth0"}});
  };
  dump = TwoLinkDump();
  EXPECT_EQ(carrier(), 1.0);  // netlink
  err = EPERM;
  EXPECT_EQ(carrier(), 0.0);  // dump failed
  err = 0;
  LinkMsgBuilder other;  // another namespace: lo matches, eth0 is another device
  other.Begin(1, 0x49, 772).Str(IFLA_IFNAME, "lo").End().Ethernet("eth0", 2).Done();
  dump = other.bytes();
  EXPECT_EQ(carrier(), 0.0);
  LinkMsgBuilder more;  // a device sysfs did not list
  more.Begin(1, 0x49, 772).Str(IFLA_IFNAME, "lo").End().Ethernet("eth0", 4).Ethernet("eth1", 5).Done();
  dump = more.bytes();
  EXPECT_EQ(carrier(), 0.0);
  dump = TwoLinkDump().substr(0, 40);  // truncated
  EXPECT_EQ(carrier(), 0.0);
  dump = TwoLinkDump();
  EXPECT_EQ(carrier(), 1.0);
}

TEST(NetclassCollector, FixtureTreeNeverDumps) {
  TempDir dir;
  WriteNetlinkTree(dir);
  int dumps = 0;
  NetclassOptions o;  // kAuto: a scratch directory is no sysfs
  o.dump_for_test = [&](std::string&) {
    ++dumps;
    return 0;
  };
  auto c = CreateNetclassCollector(FixturePaths(dir.path()), o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(dumps, 0);
  EXPECT_EQ(Value(set, "node_network_carrier", {{"device", "eth0"}}), 0.0);
}

// Every attribute the dump gives for every interface of this host, against
// its sysfs file read now: the value (or its absence) must be the same.
TEST(NetclassLive, NetlinkAttributesMatchSysfsFiles) {
  if (!IsDir("/sys/class/net/lo")) GTEST_SKIP() << "no sysfs";
  RtnlLinkDumper dumper;
  std::string bytes;
  ASSERT_EQ(dumper.Dump(1u << 3, bytes), 0);
  std::vector<RtnlLinkAttrs> links;
  ASSERT_TRUE(ParseRtnlLinkDump(bytes, links));
  ASSERT_FALSE(links.empty());
  struct Attr {
    uint32_t bit;
    const char* file;
    std::optional<int64_t> NetClassIface::*num;
    std::string NetClassIface::*str;
  };
  const Attr attrs[] = {
      {kNcAddress, "address", nullptr, &NetClassIface::address},
      {kNcBroadcast, "broadcast", nullptr, &NetClassIface::broadcast},
      {kNcCarrier, "carrier", &NetClassIface::carrier, nullptr},
      {kNcCarrierChanges, "carrier_changes", &NetClassIface::carrier_changes, nullptr},
      {kNcCarrierDownCount, "carrier_down_count", &NetClassIface::carrier_down_count, nullptr},
      {kNcCarrierUpCount, "carrier_up_count", &NetClassIface::carrier_up_count, nullptr},
      {kNcDormant, "dormant", &NetClassIface::dormant, nullptr},
      {kNcDuplex, "duplex", nullptr, &NetClassIface::duplex},
      {kNcIfalias, "ifalias", nullptr, &NetClassIface::ifalias},
      {kNcIflink, "iflink", &NetClassIface::iflink, nullptr},
      {kNcLinkMode, "link_mode", &NetClassIface::link_mode, nullptr},
      {kNcMtu, "mtu", &NetClassIface::mtu, nullptr},
      {kNcNetdevGroup, "netdev_group", &NetClassIface::netdev_group, nullptr},
      {kNcOperstate, "operstate", nullptr, &NetClassIface::operstate},
      {kNcSpeed, "speed", &NetClassIface::speed, nullptr},
      {kNcTxQueueLen, "tx_queue_len", &NetClassIface::tx_queue_len, nullptr},
      {kNcType, "type", &NetClassIface::type, nullptr},
  };
  size_t compared = 0;
  for (const RtnlLinkAttrs& link : links) {
    SCOPED_TRACE(link.name);
    ASSERT_TRUE(link.valid);
    std::string dir = "/sys/class/net/" + link.name + "/";
    ASSERT_TRUE(IsDir(dir));
    EXPECT_EQ(ReadInt(dir + "ifindex"), link.ifindex);
    NetClassIface nl;
    uint32_t taken = ApplyRtnlLinkAttrs(link, nl);
    // Everything but flags, addr_assign_type and a running link's speed and
    // duplex: a test of what the collector skips reading.
    EXPECT_EQ(taken & (kNcFlags | kNcAddrAssignType), 0u);
    for (const Attr& a : attrs) {
      if (!(taken & a.bit)) continue;
      SCOPED_TRACE(a.file);
      auto content = ReadAttr(dir + a.file);  // nullopt: the read failed (EINVAL)
      NetClassIface fs;
      if (content) {
        ASSERT_TRUE(SetNetClassAttribute(fs, a.file, *content));
      }
      if (a.num) {
        EXPECT_EQ(nl.*a.num, fs.*a.num);
      } else {
        EXPECT_EQ(nl.*a.str, fs.*a.str);
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, links.size() * 13);
}

// The whole collector through netlink and through sysfs alone: the same samples.
TEST(NetclassLive, NetlinkSourceExportsWhatSysfsDoes) {
  if (!IsDir("/sys/class/net/lo")) GTEST_SKIP() << "no sysfs";
  NetclassOptions sysfs_only, automatic;
  sysfs_only.source = NetclassOptions::Source::kSysfs;
  size_t fds0 = OpenFds();
  auto a = CreateNetclassCollector(Paths{}, sysfs_only);
  MetricSet warm_a;
  a->Collect(warm_a);
  size_t fds1 = OpenFds();
  auto b = CreateNetclassCollector(Paths{}, automatic);
  MetricSet warm_b;
  b->Collect(warm_b);
  size_t fds2 = OpenFds();
  // The dump was used: the attributes it gives were never opened (sysfs alone
  // keeps 19 open per device, netlink at most 4 and the socket).
  size_t devices = SampleCount(warm_a, "node_network_up");
  EXPECT_LT(fds2 - fds1, fds1 - fds0 - devices * 10) << devices << " devices";
  // Counters may move between the two reads: compare a few times.
  std::string sa, sb;
  for (int attempt = 0; attempt < 3; ++attempt) {
    MetricSet x, y;
    a->Collect(x);
    b->Collect(y);
    sa = testing::Serialize(x);
    sb = testing::Serialize(y);
    if (sa == sb) break;
  }
  EXPECT_EQ(sa, sb);
}

TEST(NetclassLive, ReadsLoopback) {
  if (!IsDir("/sys/class/net/lo")) GTEST_SKIP() << "no sysfs";
  auto c = CreateNetclassCollector(Paths{}, NetclassOptions{});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_network_mtu_bytes", {{"device", "lo"}}),
            static_cast<double>(*ReadInt("/sys/class/net/lo/mtu")));
  EXPECT_EQ(Value(set, "node_network_protocol_type", {{"device", "lo"}}), 772.0);
}

}  // namespace
}  // namespace node_agent
