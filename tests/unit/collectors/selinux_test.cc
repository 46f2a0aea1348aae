#include "collectors/selinux.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::TempDir;
using testing::Value;

constexpr char kConfig[] =
    "# This file controls the state of SELinux on the system.\n"
    "# SELINUX= can take one of these three values:\n"
    "#     enforcing - SELinux security policy is enforced.\n"
    "SELINUX=permissive\n"
    "; SELINUX=enforcing\n"
    "SELINUXTYPE=targeted\n";

TEST(SelinuxParse, Config) {
  EXPECT_EQ(SelinuxConfigValue(kConfig, "SELINUX"), "permissive");
  EXPECT_EQ(SelinuxConfigValue(kConfig, "SELINUXTYPE"), "targeted");
  EXPECT_EQ(SelinuxConfigMode(kConfig), 0);
  EXPECT_EQ(SelinuxConfigMode("  SELINUX=\"enforcing\"  \n"), 1);
  EXPECT_EQ(SelinuxConfigMode("SELINUX=disabled\n"), -1);
  EXPECT_EQ(SelinuxConfigMode("SELINUX = enforcing\n"), -1);  // the key is not trimmed
  EXPECT_EQ(SelinuxConfigMode("SELINUX=Enforcing\n"), -1);
  EXPECT_EQ(SelinuxConfigMode("SELINUX=enforcing\r\nSELINUX=permissive\n"), 1);  // the first wins
  EXPECT_EQ(SelinuxConfigMode(""), -1);
}

TEST(SelinuxParse, Enforce) {
  EXPECT_EQ(SelinuxEnforceMode("1"), 1);
  EXPECT_EQ(SelinuxEnforceMode("0"), 0);
  EXPECT_EQ(SelinuxEnforceMode("1\n"), -1);  // Atoi of the whole content
  EXPECT_EQ(SelinuxEnforceMode(""), -1);
}

TEST(SelinuxParse, Mounts) {
  std::string mountinfo =
      "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "23 22 0:22 / /sys/fs/selinux rw,nosuid,noexec,relatime shared:8 - selinuxfs selinuxfs rw\n"
      "24 1 0:23 / /host/selinux rw shared:9 - selinuxfs none rw\n";
  EXPECT_EQ(SelinuxfsMountPoints(mountinfo), (std::vector<std::string>{"/sys/fs/selinux", "/host/selinux"}));
  EXPECT_TRUE(SelinuxfsMountPoints("1 2 - selinuxfs x\n").empty());  // fewer than six fields
  EXPECT_EQ(SelinuxfsMountPoints("1 2 3 - selinuxfs x\n"), (std::vector<std::string>{"selinuxfs"}));
  EXPECT_TRUE(KernelHasSelinuxfs("nodev\tsysfs\nnodev\tselinuxfs\n"));
  EXPECT_FALSE(KernelHasSelinuxfs("nodev\tsysfs\n"));
  EXPECT_TRUE(SelinuxLabelEnabled("system_u:system_r:unconfined_service_t:s0"));
  EXPECT_TRUE(SelinuxLabelEnabled(""));
  EXPECT_FALSE(SelinuxLabelEnabled("kernel"));
  EXPECT_FALSE(SelinuxLabelEnabled(std::string("kernel\0", 7)));
}

// An Amazon Linux 2023 host: selinuxfs mounted, permissive by configuration.
void WriteHost(const TempDir& dir, const std::string& enforce) {
  dir.Write("sys/fs/selinux/enforce", enforce);
  dir.Write("etc/selinux/config", kConfig);
  dir.Write("proc/thread-self/attr/current", std::string("system_u:system_r:unconfined_service_t:s0\0", 42));
}

TEST(SelinuxCollector, Enabled) {
  TempDir dir;
  WriteHost(dir, "0");
  std::string fixture_mount = dir.path() + "/sys/fs/selinux";
  SelinuxOptions o{.verify_mount = [&](const std::string& m) { return m == fixture_mount; }};
  auto c = NewSelinuxCollector(testing::FixturePaths(dir.path()), o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_selinux_enabled"), 1);
  EXPECT_EQ(Value(set, "node_selinux_config_mode"), 0);
  EXPECT_EQ(Value(set, "node_selinux_current_mode"), 0);
  dir.Write("sys/fs/selinux/enforce", "1");
  MetricSet again;
  c->Collect(again);
  EXPECT_EQ(Value(again, "node_selinux_current_mode"), 1);
}

TEST(SelinuxCollector, FoundThroughMountinfo) {
  TempDir dir;
  WriteHost(dir, "1");
  std::string other = dir.path() + "/other";
  dir.Write("other/enforce", "1");
  dir.Write("proc/filesystems", "nodev\tsysfs\nnodev\tselinuxfs\n");
  dir.Write("proc/self/mountinfo", "23 22 0:22 / " + other + " rw shared:8 - selinuxfs selinuxfs rw\n");
  SelinuxOptions o{.verify_mount = [&](const std::string& m) { return m == other; }};
  auto c = NewSelinuxCollector(testing::FixturePaths(dir.path()), o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_selinux_enabled"), 1);
  EXPECT_EQ(Value(set, "node_selinux_current_mode"), 1);
}

TEST(SelinuxCollector, DisabledKernelLabelOrNoMount) {
  TempDir dir;
  WriteHost(dir, "1");
  dir.Write("proc/thread-self/attr/current", "kernel");
  SelinuxOptions o{.verify_mount = [](const std::string&) { return true; }};
  MetricSet set;
  NewSelinuxCollector(testing::FixturePaths(dir.path()), o)->Collect(set);
  EXPECT_EQ(Value(set, "node_selinux_enabled"), 0);
  EXPECT_EQ(set.Find("node_selinux_config_mode"), nullptr);
  // The real check: a temporary directory is no selinuxfs.
  MetricSet real;
  NewSelinuxCollector(testing::FixturePaths(dir.path()))->Collect(real);
  EXPECT_EQ(Value(real, "node_selinux_enabled"), 0);
}

}  // namespace
}  // namespace node_agent
