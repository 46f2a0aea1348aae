#include "collectors/fibrechannel.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(FibrechannelParse, HostAttributes) {
  FcHost h;
  EXPECT_TRUE(SetFcHostAttr(h, "port_id", "0x000002\n"));
  EXPECT_TRUE(SetFcHostAttr(h, "fabric_name", "0x0\n"));
  EXPECT_TRUE(SetFcHostAttr(h, "port_name", "0x"));  // too short: kept
  EXPECT_TRUE(SetFcHostAttr(h, "speed", " 16 Gbit \n"));
  EXPECT_FALSE(SetFcHostAttr(h, "node_name", "0x2000e0071bce95f2"));
  EXPECT_EQ(h.attrs[3], "000002");
  EXPECT_EQ(h.attrs[5], "0");
  EXPECT_EQ(h.attrs[4], "0x");
  EXPECT_EQ(h.attrs[0], "16 Gbit");
}

TEST(FibrechannelParse, CountersAreGoBaseZero) {
  FcHost h;
  EXPECT_TRUE(SetFcCounter(h, "tx_frames", "0x50\n"));
  EXPECT_TRUE(SetFcCounter(h, "nos_count", "0xffffffffffffffff"));
  EXPECT_TRUE(SetFcCounter(h, "lip_count", "bogus"));  // not exported
  EXPECT_FALSE(SetFcCounter(h, "rx_words", "0xZZ"));
  EXPECT_EQ(h.counters[5], 0x50u);
  EXPECT_EQ(h.counters[12], UINT64_MAX);
  EXPECT_FALSE(h.counters[4].has_value());
  EXPECT_FALSE(h.counters[0].has_value());
}

TEST(FibrechannelMetrics, UnimplementedAndAbsentCountersLeftOut) {
  FcHost h;
  SetFcHostAttr(h, "port_state", "Online");
  SetFcCounter(h, "dumped_frames", "0xffffffffffffffff");
  SetFcCounter(h, "error_frames", "0x13");
  MetricSet set;
  AddFcHostMetrics("host1", h, set);
  EXPECT_EQ(SampleCount(set, "node_fibrechannel_dumped_frames_total"), 0u);
  EXPECT_EQ(SampleCount(set, "node_fibrechannel_nos_total"), 0u);
  EXPECT_DOUBLE_EQ(Value(set, "node_fibrechannel_error_frames_total", {{"fc_host", "host1"}}), 19);
  EXPECT_DOUBLE_EQ(Value(set, "node_fibrechannel_info",
                         {{"fc_host", "host1"}, {"speed", ""}, {"port_state", "Online"}, {"port_type", ""},
                          {"port_id", ""}, {"port_name", ""}, {"fabric_name", ""}, {"symbolic_name", ""},
                          {"supported_classes", ""}, {"supported_speeds", ""}, {"dev_loss_tmo", ""}}),
                   1);
}

TEST(Fibrechannel, ReadsHostTree) {
  TempDir dir;
  dir.Write("sys/class/fc_host/host0/speed", "16 Gbit\n");
  dir.Write("sys/class/fc_host/host0/port_id", "0x000002\n");
  dir.Write("sys/class/fc_host/host0/statistics/rx_frames", "0x3\n");
  dir.Write("sys/class/fc_host/host0/statistics/reset_statistics", "");
  dir.Write("sys/class/fc_host/host0/statistics/tx_words", "junk\n");
  dir.Write("sys/class/fc_host/host1/port_state", "Linkdown\n");  // no statistics/
  MetricSet set;
  NewFibrechannelCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_fibrechannel_info"), 2u);
  EXPECT_DOUBLE_EQ(Value(set, "node_fibrechannel_rx_frames_total", {{"fc_host", "host0"}}), 3);
  EXPECT_EQ(SampleCount(set, "node_fibrechannel_rx_frames_total"), 1u);
  EXPECT_EQ(SampleCount(set, "node_fibrechannel_tx_words_total"), 0u);
}

TEST(Fibrechannel, NoFcHostIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewFibrechannelCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Fibrechannel, LongSymbolicNameCutAt128Bytes) {
  // procfs reads sysfs attributes with one 128-byte read.
  TempDir dir;
  dir.Write("sys/class/fc_host/host0/symbolic_name", std::string(200, 'x') + "\n");
  MetricSet set;
  NewFibrechannelCollector(FixturePaths(dir.path()))->Collect(set);
  auto f = testing::Find(set, "node_fibrechannel_info");
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->metric.size(), 1u);
  EXPECT_EQ(f->metric[0].label[7].name, "symbolic_name");
  EXPECT_EQ(f->metric[0].label[7].value, std::string(128, 'x'));
}

}  // namespace
}  // namespace node_agent
