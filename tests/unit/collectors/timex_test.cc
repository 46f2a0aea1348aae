#include "collectors/timex.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::Value;

struct timex Sample(int status) {
  struct timex tx {};
  tx.offset = -1500;
  tx.freq = 655360;  // 10 ppm
  tx.maxerror = 250000;
  tx.esterror = 125;
  tx.status = status;
  tx.constant = 7;
  tx.tick = 10000;
  tx.ppsfreq = -3276800;  // -50 ppm
  tx.jitter = 2000;
  tx.shift = 4;
  tx.stabil = 65536;
  tx.jitcnt = 1;
  tx.calcnt = 2;
  tx.errcnt = 3;
  tx.stbcnt = 4;
  tx.tai = 37;
  return tx;
}

TEST(Timex, MicrosecondUnits) {
  MetricSet set;
  AddTimexMetrics(Sample(STA_PLL), TIME_OK, set);
  EXPECT_EQ(Value(set, "node_timex_sync_status"), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_offset_seconds"), -0.0015);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_frequency_adjustment_ratio"), 1.00001);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_maxerror_seconds"), 0.25);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_estimated_error_seconds"), 0.000125);
  EXPECT_EQ(Value(set, "node_timex_status"), STA_PLL);
  EXPECT_EQ(Value(set, "node_timex_loop_time_constant"), 7);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_tick_seconds"), 0.01);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_pps_frequency_hertz"), -0.00005);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_pps_jitter_seconds"), 0.002);
  EXPECT_EQ(Value(set, "node_timex_pps_shift_seconds"), 4);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_pps_stability_hertz"), 0.000001);
  EXPECT_EQ(Value(set, "node_timex_pps_jitter_total"), 1);
  EXPECT_EQ(Value(set, "node_timex_pps_calibration_total"), 2);
  EXPECT_EQ(Value(set, "node_timex_pps_error_total"), 3);
  EXPECT_EQ(Value(set, "node_timex_pps_stability_exceeded_total"), 4);
  EXPECT_EQ(Value(set, "node_timex_tai_offset_seconds"), 37);
  ASSERT_NE(set.Find("node_timex_pps_error_total"), nullptr);
  EXPECT_EQ(set.Find("node_timex_pps_error_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_timex_tick_seconds")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_timex_tick_seconds")->help, "Seconds between clock ticks.");
}

TEST(Timex, NanosecondUnitsWithStaNano) {
  MetricSet set;
  AddTimexMetrics(Sample(STA_PLL | STA_NANO), TIME_OK, set);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_offset_seconds"), -0.0000015);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_pps_jitter_seconds"), 0.000002);
  // maxerror, esterror and tick stay in microseconds.
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_maxerror_seconds"), 0.25);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_tick_seconds"), 0.01);
}

TEST(Timex, TimeErrorIsNotSynchronised) {
  MetricSet set;
  AddTimexMetrics(Sample(STA_UNSYNC), TIME_ERROR, set);
  EXPECT_EQ(Value(set, "node_timex_sync_status"), 0);
  MetricSet set2;
  AddTimexMetrics(Sample(0), TIME_INS, set2);
  EXPECT_EQ(Value(set2, "node_timex_sync_status"), 1);
}

TEST(Timex, LiveMatchesAdjtimex) {
  struct timex tx {};
  int state = ::adjtimex(&tx);
  if (state < 0) GTEST_SKIP() << "adjtimex refused here";
  MetricSet set;
  NewTimexCollector()->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_timex_status"), 1u);
  EXPECT_DOUBLE_EQ(Value(set, "node_timex_tick_seconds"), static_cast<double>(tx.tick) / 1e6);
  EXPECT_EQ(Value(set, "node_timex_sync_status"), state == TIME_ERROR ? 0 : 1);
}

}  // namespace
}  // namespace node_agent
