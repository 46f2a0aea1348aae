#include "collectors/nvmesubsystem.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(NvmesubsystemParse, Names) {
  EXPECT_TRUE(IsNvmeControllerName("nvme0"));
  EXPECT_TRUE(IsNvmeControllerName("nvme12"));
  EXPECT_FALSE(IsNvmeControllerName("nvme"));
  EXPECT_FALSE(IsNvmeControllerName("nvme0n1"));
  EXPECT_FALSE(IsNvmeControllerName("nvme-subsys0"));
  EXPECT_TRUE(IsNvmeNamespaceName("nvme0n1"));
  EXPECT_TRUE(IsNvmeNamespaceName("nvme3n12"));
  EXPECT_FALSE(IsNvmeNamespaceName("nvme0n"));
  EXPECT_FALSE(IsNvmeNamespaceName("nvme0n1p1"));
  EXPECT_FALSE(IsNvmeNamespaceName("nvme0c0n1"));
  EXPECT_EQ(NormalizeNvmeControllerState("live"), "live");
  EXPECT_EQ(NormalizeNvmeControllerState("deleting (no IO)"), "deleting");
  EXPECT_EQ(NormalizeNvmeControllerState("frozen"), "unknown");
  EXPECT_EQ(NormalizeNvmeControllerState(""), "unknown");
}

// /sys/class/nvme-subsystem as the kernel lays it out (nvme_subsys_attrs,
// nvme_dev_attrs): an EBS volume (PCIe, one path) and an NVMe/TCP
// subsystem with two paths, one of them reconnecting.
void WriteSubsystems(const TempDir& dir) {
  const std::string base = "sys/class/nvme-subsystem/";
  dir.Write(base + "nvme-subsys0/subsysnqn", "nqn.2014.08.org.nvmexpress:1d0f1d0fvol0123456789abcdefAmazon Elastic Block Store\n");
  dir.Write(base + "nvme-subsys0/model", "Amazon Elastic Block Store              \n");
  dir.Write(base + "nvme-subsys0/serial", "vol0123456789abcdef \n");
  dir.Write(base + "nvme-subsys0/iopolicy", "numa\n");
  dir.Write(base + "nvme-subsys0/nvme0/state", "live\n");
  dir.Write(base + "nvme-subsys0/nvme0/transport", "pcie\n");
  dir.Write(base + "nvme-subsys0/nvme0/address", "0000:00:04.0\n");
  dir.Write(base + "nvme-subsys0/nvme0n1/size", "16777216\n");
  dir.Write(base + "nvme-subsys1/subsysnqn", "nqn.2019-08.org.example:target\n");
  dir.Write(base + "nvme-subsys1/model", "Linux\n");
  dir.Write(base + "nvme-subsys1/serial", "abc\n");
  dir.Write(base + "nvme-subsys1/iopolicy", "round-robin\n");
  dir.Write(base + "nvme-subsys1/nvme1/state", "live\n");
  dir.Write(base + "nvme-subsys1/nvme1/transport", "tcp\n");
  dir.Write(base + "nvme-subsys1/nvme1/address", "traddr=10.0.0.1,trsvcid=4420\n");
  dir.Write(base + "nvme-subsys1/nvme2/state", "connecting\n");
  dir.Write(base + "nvme-subsys1/nvme2/transport", "tcp\n");
  dir.Write(base + "nvme-subsys1/nvme2/address", "traddr=10.0.0.2,trsvcid=4420\n");
  dir.Write(base + "nvme-subsys1/nvme1n1/size", "1\n");
  dir.Write(base + "nvme-subsys1/nvme1n2/size", "1\n");
}

TEST(Nvmesubsystem, Metrics) {
  TempDir dir;
  WriteSubsystems(dir);
  MetricSet set;
  NewNvmesubsystemCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_info",
                         {{"subsystem", "nvme-subsys0"},
                          {"nqn", "nqn.2014.08.org.nvmexpress:1d0f1d0fvol0123456789abcdefAmazon Elastic Block Store"},
                          {"model", "Amazon Elastic Block Store"},
                          {"serial", "vol0123456789abcdef"},
                          {"iopolicy", "numa"}}),
                   1);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_namespace_info", {{"subsystem", "nvme-subsys1"}, {"device", "nvme1n2"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_nvmesubsystem_namespace_info"), 3u);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_paths", {{"subsystem", "nvme-subsys1"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_paths_live", {{"subsystem", "nvme-subsys1"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_path_state",
                         {{"subsystem", "nvme-subsys1"}, {"controller", "nvme2"}, {"transport", "tcp"}, {"state", "connecting"}}),
                   1);
  EXPECT_DOUBLE_EQ(Value(set, "node_nvmesubsystem_path_state",
                         {{"subsystem", "nvme-subsys1"}, {"controller", "nvme2"}, {"transport", "tcp"}, {"state", "live"}}),
                   0);
  // Seven states per controller path, three paths.
  EXPECT_EQ(SampleCount(set, "node_nvmesubsystem_path_state"), 21u);
}

TEST(Nvmesubsystem, NoSubsystemIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNvmesubsystemCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Nvmesubsystem, MissingAttributeIsNoData) {
  TempDir dir;
  WriteSubsystems(dir);
  std::remove((dir.path() + "/sys/class/nvme-subsystem/nvme-subsys1/iopolicy").c_str());
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNvmesubsystemCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());  // nothing is exported when one subsystem cannot be read
}

}  // namespace
}  // namespace node_agent
