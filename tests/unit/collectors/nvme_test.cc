#include "collectors/nvme.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(NvmeNamespaceId, MatchesNamespaceDirectories) {
  EXPECT_EQ(NvmeNamespaceId("nvme0n1"), "1");
  EXPECT_EQ(NvmeNamespaceId("nvme1c1n12"), "12");
  EXPECT_EQ(NvmeNamespaceId("nvme10c33n2"), "2");
  EXPECT_EQ(NvmeNamespaceId("nvme0"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("nvme0c1"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("nvme0cn1"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("hwmon2"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("power"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("ng0n1"), std::nullopt);
  EXPECT_EQ(NvmeNamespaceId("nvmen1"), std::nullopt);
}

MetricSet CollectFixture() {
  MetricSet set;
  NewNvmeCollector(FixturePaths(FixturePath("disk")))->Collect(set);
  return set;
}

TEST(NvmeCollector, ControllerInfo) {
  MetricSet set = CollectFixture();
  EXPECT_EQ(SampleCount(set, "node_nvme_info"), 3u);
  // Attributes are trimmed: sysfs pads model and firmware with spaces.
  EXPECT_EQ(Value(set, "node_nvme_info",
                  {{"cntlid", "0"},
                   {"device", "nvme0"},
                   {"firmware_revision", "2.0"},
                   {"model", "Amazon Elastic Block Store"},
                   {"serial", "vol0a1b2c3d4e5f60718"},
                   {"state", "live"}}),
            1);
  EXPECT_EQ(Value(set, "node_nvme_info",
                  {{"cntlid", "2"},
                   {"device", "nvme2"},
                   {"firmware_revision", "2.0"},
                   {"model", "Amazon Elastic Block Store"},
                   {"serial", "vol0ffeeddccbbaa99887"},
                   {"state", "connecting"}}),
            1);
}

TEST(NvmeCollector, Namespaces) {
  MetricSet set = CollectFixture();
  Labels ns0{{"device", "nvme0"}, {"nsid", "1"}};
  Labels ns1{{"device", "nvme1"}, {"nsid", "1"}};
  // nvme2 has no namespaces: info only.
  EXPECT_EQ(SampleCount(set, "node_nvme_namespace_info"), 2u);
  EXPECT_EQ(SampleCount(set, "node_nvme_namespace_size_bytes"), 2u);
  // No ana_state file: "unknown".
  EXPECT_EQ(Value(set, "node_nvme_namespace_info",
                  {{"ana_state", "unknown"}, {"device", "nvme0"}, {"nsid", "1"}}),
            1);
  EXPECT_EQ(Value(set, "node_nvme_namespace_info",
                  {{"ana_state", "optimized"}, {"device", "nvme1"}, {"nsid", "1"}}),
            1);
  EXPECT_EQ(Value(set, "node_nvme_namespace_logical_block_size_bytes", ns0), 512);
  EXPECT_EQ(Value(set, "node_nvme_namespace_size_bytes", ns0), 209715200.0 * 512);
  EXPECT_EQ(Value(set, "node_nvme_namespace_capacity_bytes", ns0), 209715200.0 * 512);
  EXPECT_EQ(Value(set, "node_nvme_namespace_used_bytes", ns0), 209715200.0 * 512);
  EXPECT_EQ(Value(set, "node_nvme_namespace_size_bytes", ns1), 457763671.0 * 4096);
  EXPECT_EQ(Value(set, "node_nvme_namespace_used_bytes", ns1), 12207031.0 * 4096);
  EXPECT_EQ(set.Find("node_nvme_namespace_used_bytes")->type, MetricType::Gauge);
}

TEST(NvmeCollector, NoClassDirectoryIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNvmeCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(NvmeCollector, EmptyClassDirectoryIsSuccess) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/sys/class/nvme");
  MetricSet set;
  NewNvmeCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

void WriteController(const TempDir& dir, const std::string& name) {
  const std::string c = "sys/class/nvme/" + name + "/";
  dir.Write(c + "model", "m\n");
  dir.Write(c + "serial", "s\n");
  dir.Write(c + "firmware_rev", "f\n");
  dir.Write(c + "state", "live\n");
  dir.Write(c + "cntlid", "7\n");
}

TEST(NvmeCollector, MissingAttributeFailsWithoutPartialOutput) {
  TempDir dir;
  WriteController(dir, "nvme0");
  WriteController(dir, "nvme1");
  std::filesystem::remove(dir.path() + "/sys/class/nvme/nvme1/cntlid");
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNvmeCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(NvmeCollector, FollowsNamespaceChangesAndValues) {
  TempDir dir;
  WriteController(dir, "nvme0");
  auto c = NewNvmeCollector(FixturePaths(dir.path()));
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(SampleCount(a, "node_nvme_info"), 1u);
  EXPECT_EQ(SampleCount(a, "node_nvme_namespace_info"), 0u);

  // A namespace attached under the same controller is picked up.
  const std::string ns = "sys/class/nvme/nvme0/nvme0n1/";
  dir.Write(ns + "size", "100\n");
  dir.Write(ns + "nuse", "10\n");
  dir.Write(ns + "queue/logical_block_size", "4096\n");
  MetricSet b;
  c->Collect(b);
  Labels l{{"device", "nvme0"}, {"nsid", "1"}};
  EXPECT_EQ(Value(b, "node_nvme_namespace_used_bytes", l), 10.0 * 4096);

  // Values and state are re-read each scrape.
  std::ofstream(dir.path() + "/" + ns + "nuse", std::ios::trunc) << "20\n";
  std::ofstream(dir.path() + "/sys/class/nvme/nvme0/state", std::ios::trunc) << "resetting\n";
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_nvme_namespace_used_bytes", l), 20.0 * 4096);
  EXPECT_EQ(testing::Find(d, "node_nvme_info")->metric.at(0).label.at(5).value, "resetting");
}

}  // namespace
}  // namespace node_agent
