#include "collectors/drbd.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/drbd of DRBD 8.4 with two resources.
constexpr const char* kDrbd =
    "version: 8.4.11 (api:1/proto:86-101)\n"
    "srcversion: 2D876214BAF50A0BD8E2C4C \n"
    "\n"
    " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
    "    ns:1024 nr:0 dw:2048 dr:4096 al:7 bm:0 lo:0 pe:1 ua:0 ap:0 ep:1 wo:f oos:0\n"
    " 1: cs:StandAlone ro:Secondary/Unknown ds:Outdated/DUnknown   r-----\n"
    "    ns:0 nr:512 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:8\n";

TEST(DrbdParse, FieldsByDevice) {
  std::vector<std::string> skipped;
  auto fields = ParseDrbd(kDrbd, skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(fields.size(), 2u * 15u);
  EXPECT_EQ(fields[0].device, "drbd0");
  EXPECT_EQ(fields[0].key, "cs");
  EXPECT_EQ(fields[0].value, "Connected");
  EXPECT_EQ(fields.back().device, "drbd1");
  EXPECT_EQ(fields.back().key, "oos");
}

TEST(DrbdParse, MalformedValuesAreSkipped) {
  std::vector<std::string> skipped;
  auto fields = ParseDrbd("ns:abc ro:Primary a:b:c ds:x/y 3: ns:5\n", skipped);
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0], "ns:abc");
  EXPECT_EQ(skipped[1], "ro:Primary");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].device, "unknown");
  EXPECT_EQ(fields[1].device, "drbd3");
}

TEST(Drbd, Metrics) {
  TempDir dir;
  dir.Write("proc/drbd", kDrbd);
  MetricSet set;
  NewDrbdCollector(FixturePaths(dir.path()))->Collect(set);
  // KiB counters are exported in bytes; nr is not scaled, as in node_exporter.
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_network_sent_bytes_total", {{"device", "drbd0"}}), 1024 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_network_received_bytes_total", {{"device", "drbd1"}}), 512);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_out_of_sync_bytes", {{"device", "drbd1"}}), 8192);
  EXPECT_EQ(set.Find("node_drbd_out_of_sync_bytes")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_drbd_disk_read_bytes_total")->type, MetricType::Counter);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_connected", {{"device", "drbd0"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_connected", {{"device", "drbd1"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_node_role_is_primary", {{"device", "drbd0"}, {"node", "local"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_node_role_is_primary", {{"device", "drbd0"}, {"node", "remote"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_drbd_disk_state_is_up_to_date", {{"device", "drbd1"}, {"node", "local"}}), 0);
  EXPECT_EQ(SampleCount(set, "node_drbd_epochs"), 2u);
}

TEST(Drbd, NoModuleIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewDrbdCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
