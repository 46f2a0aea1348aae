#include "collectors/netclass.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "tests/test_util.h"

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
  const MetricFamily* changes = set.Find("node_network_carrier_up_changes_total");
  ASSERT_NE(changes, nullptr);
  EXPECT_EQ(changes->type, MetricType::Counter);
  EXPECT_EQ(changes->help, "Network device property: carrier_up_changes_total");
  const MetricFamily* info = set.Find("node_network_info");
  ASSERT_NE(info, nullptr);
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
  EXPECT_THROW(c->Collect(set), NoDataError);
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
