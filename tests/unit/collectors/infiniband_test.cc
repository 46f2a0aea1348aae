#include "collectors/infiniband.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(IbStateParse, IdBeforeColon) {
  EXPECT_EQ(ParseIbState("4: ACTIVE\n"), 4u);
  EXPECT_EQ(ParseIbState("5: LinkUp"), 5u);
  EXPECT_EQ(ParseIbState(" 1 :DOWN"), 1u);
  EXPECT_FALSE(ParseIbState("ACTIVE"));
  EXPECT_FALSE(ParseIbState("4: ACTIVE: x"));
  EXPECT_FALSE(ParseIbState("x: ACTIVE"));
  EXPECT_FALSE(ParseIbState("-1: ACTIVE"));
  EXPECT_FALSE(ParseIbState("4294967296: ACTIVE"));
}

TEST(IbRateParse, GbpsToBytes) {
  EXPECT_EQ(ParseIbRate("40 Gb/sec (4X QDR)\n"), 5000000000u);
  EXPECT_EQ(ParseIbRate("10 Gb/sec (4X)"), 1250000000u);
  EXPECT_EQ(ParseIbRate("2.5 Gb/sec (1X SDR)"), 312500000u);
  EXPECT_EQ(ParseIbRate("100 Gb/sec (4X EDR)"), 12500000000u);
  // Read as a 32-bit float, as procfs: 0.1 becomes 0.100000001490116...
  EXPECT_EQ(ParseIbRate("0.1 Gb/sec"), 12500000u);
  EXPECT_EQ(ParseIbRate("53.125 Gb/sec (1X HDR)"), 6640625000u);
  EXPECT_FALSE(ParseIbRate("40"));
  EXPECT_FALSE(ParseIbRate("fast Gb/sec"));
  EXPECT_FALSE(ParseIbRate("-1 Gb/sec"));
  EXPECT_FALSE(ParseIbRate("1e40 Gb/sec"));  // beyond a float
}

TEST(IbCounterParse, GoParseUintBase0) {
  uint64_t v = 0;
  EXPECT_EQ(ParseIbCounter("61148\n", &v), IbCounterParse::kValue);
  EXPECT_EQ(v, 61148u);
  EXPECT_EQ(ParseIbCounter("0x10", &v), IbCounterParse::kValue);
  EXPECT_EQ(v, 16u);
  EXPECT_EQ(ParseIbCounter("010", &v), IbCounterParse::kValue);
  EXPECT_EQ(v, 8u);
  EXPECT_EQ(ParseIbCounter("0", &v), IbCounterParse::kValue);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(ParseIbCounter("18446744073709551615", &v), IbCounterParse::kValue);
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(ParseIbCounter("N/A (no PMA)\n", &v), IbCounterParse::kNotAvailable);
  EXPECT_EQ(ParseIbCounter("18446744073709551616", &v), IbCounterParse::kMalformed);
  EXPECT_EQ(ParseIbCounter("-1", &v), IbCounterParse::kMalformed);
  EXPECT_EQ(ParseIbCounter("+1", &v), IbCounterParse::kMalformed);
  EXPECT_EQ(ParseIbCounter("0x", &v), IbCounterParse::kMalformed);
  EXPECT_EQ(ParseIbCounter("09", &v), IbCounterParse::kMalformed);
  EXPECT_EQ(ParseIbCounter("", &v), IbCounterParse::kMalformed);
}

TEST(EfaCounters, NamesFollowConventions) {
  std::set<std::string_view> files;
  std::set<std::string_view> metrics;
  for (const EfaCounterDef& d : EfaCounters()) {
    EXPECT_TRUE(files.insert(d.file).second) << d.file;
    EXPECT_TRUE(metrics.insert(d.metric).second) << d.metric;
    EXPECT_EQ(d.metric.substr(0, 20), "node_infiniband_efa_") << d.metric;
    EXPECT_FALSE(d.help.empty());
    bool total = d.metric.ends_with("_total");
    EXPECT_EQ(total, d.type == MetricType::Counter) << d.metric;
    if (d.file.find("bytes") != std::string_view::npos) {
      EXPECT_TRUE(d.metric.ends_with("_bytes_total")) << d.metric;
    }
    EXPECT_EQ(FindEfaCounter(d.file), &d);
  }
  EXPECT_EQ(FindEfaCounter("duplicate_request"), nullptr);
}

// A device in node_exporter's layout, as an mlx4 HCA shows it.
void WriteMlx4(const testing::TempDir& dir, const std::string& name = "mlx4_0") {
  std::string d = "sys/class/infiniband/" + name + "/";
  dir.Write(d + "fw_ver", "2.31.5050\n");
  dir.Write(d + "board_id", "SM_1141000001000\n");
  dir.Write(d + "hca_type", "MT4099\n");
  dir.Write(d + "ports/1/state", "4: ACTIVE\n");
  dir.Write(d + "ports/1/phys_state", "5: LinkUp\n");
  dir.Write(d + "ports/1/rate", "40 Gb/sec (4X QDR)\n");
  dir.Write(d + "ports/1/link_layer", "InfiniBand\n");
  dir.Write(d + "ports/1/counters/port_rcv_data", "4631917\n");
  dir.Write(d + "ports/1/counters/port_xmit_discards", "5\n");
  dir.Write(d + "ports/1/counters/symbol_error", "N/A (no PMA)\n");
  dir.Write(d + "ports/1/counters/some_new_counter", "7\n");
  dir.Write(d + "ports/1/counters_ext/port_rcv_data_64", "4631917\n");
  dir.Write(d + "ports/1/counters_ext/port_unicast_rcv_packets", "61148\n");
  dir.Write(d + "ports/1/hw_counters/lifespan", "1999\n");
  dir.Write(d + "ports/1/hw_counters/out_of_buffer", "12\n");
}

TEST(Infiniband, NodeExporterFamilies) {
  testing::TempDir dir;
  WriteMlx4(dir);
  MetricSet set;
  NewInfinibandCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_EQ(Value(set, "node_infiniband_info",
                  {{"board_id", "SM_1141000001000"}, {"device", "mlx4_0"}, {"firmware_version", "2.31.5050"},
                   {"hca_type", "MT4099"}}),
            1);
  Labels port = {{"device", "mlx4_0"}, {"port", "1"}};
  EXPECT_EQ(Value(set, "node_infiniband_state_id", port), 4);
  EXPECT_EQ(Value(set, "node_infiniband_physical_state_id", port), 5);
  EXPECT_EQ(Value(set, "node_infiniband_rate_bytes_per_second", port), 5e9);
  EXPECT_EQ(Value(set, "node_infiniband_port_data_received_bytes_total", port), 18527668);  // 4 lanes
  EXPECT_EQ(Value(set, "node_infiniband_legacy_data_received_bytes_total", port), 18527668);
  EXPECT_EQ(Value(set, "node_infiniband_legacy_unicast_packets_received_total", port), 61148);
  EXPECT_EQ(Value(set, "node_infiniband_port_discards_transmitted_total", port), 5);
  EXPECT_EQ(set.Find("node_infiniband_symbol_error_total"), nullptr);  // N/A: skipped quietly
  EXPECT_EQ(Value(set, "node_infiniband_lifespan_seconds", port), 1);  // whole seconds, as node_exporter
  EXPECT_EQ(Value(set, "node_infiniband_out_of_buffer_drops_total", port), 12);
  ASSERT_NE(set.Find("node_infiniband_out_of_buffer_drops_total"), nullptr);
  EXPECT_EQ(set.Find("node_infiniband_out_of_buffer_drops_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_infiniband_lifespan_seconds")->type, MetricType::Gauge);
  // Not an EFA device: no EFA families.
  for (const auto& f : testing::Decode(set.families())) EXPECT_EQ(f.name.find("node_infiniband_efa_"), std::string::npos) << f.name;
}

TEST(Infiniband, DeviceFilter) {
  testing::TempDir dir;
  WriteMlx4(dir, "mlx4_0");
  WriteMlx4(dir, "mlx5_1");
  InfinibandOptions o;
  o.device_include = "^mlx5";
  MetricSet set;
  NewInfinibandCollector(FixturePaths(dir.path()), o)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_infiniband_info"), 1u);
  EXPECT_EQ(Value(set, "node_infiniband_state_id", {{"device", "mlx5_1"}, {"port", "1"}}), 4);
  o = {};
  o.device_exclude = "_1$";
  MetricSet set2;
  NewInfinibandCollector(FixturePaths(dir.path()), o)->Collect(set2);
  EXPECT_EQ(SampleCount(set2, "node_infiniband_info"), 1u);
  EXPECT_EQ(Value(set2, "node_infiniband_state_id", {{"device", "mlx4_0"}, {"port", "1"}}), 4);
  o.device_exclude = "[";
  EXPECT_THROW(NewInfinibandCollector(FixturePaths(dir.path()), o), std::invalid_argument);
}

TEST(Infiniband, NoClassDirectoryIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewInfinibandCollector(FixturePaths(dir.path()), {}), set).status, CollectStatus::kNoData);
}

TEST(Infiniband, MalformedPortAndCounterSkipped) {
  testing::TempDir dir;
  WriteMlx4(dir);
  dir.Write("sys/class/infiniband/mlx4_0/ports/1/counters/port_xmit_discards", "lots\n");
  dir.Write("sys/class/infiniband/mlx4_0/ports/2/state", "ACTIVE\n");
  dir.Write("sys/class/infiniband/mlx4_0/ports/2/phys_state", "5: LinkUp\n");
  dir.Write("sys/class/infiniband/mlx4_0/ports/2/rate", "40 Gb/sec (4X QDR)\n");
  auto c = NewInfinibandCollector(FixturePaths(dir.path()), {});
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(SampleCount(set, "node_infiniband_state_id"), 1u);
    EXPECT_EQ(set.Find("node_infiniband_port_discards_transmitted_total"), nullptr);
    EXPECT_EQ(Value(set, "node_infiniband_unicast_packets_received_total", {{"device", "mlx4_0"}, {"port", "1"}}),
              -12345.678);
    EXPECT_EQ(Value(set, "node_infiniband_port_data_received_bytes_total", {{"device", "mlx4_0"}, {"port", "1"}}),
              18527668);
  }
  EXPECT_EQ(logs.Warnings("infiniband"), 2u);
}

TEST(Infiniband, MissingFirmwareVersionFails) {
  testing::TempDir dir;
  WriteMlx4(dir);
  std::filesystem::remove(dir.path() + "/sys/class/infiniband/mlx4_0/fw_ver");
  MetricSet set;
  EXPECT_THROW(NewInfinibandCollector(FixturePaths(dir.path()), {})->Collect(set), std::runtime_error);
}

// The EFA fixture: rdmap0s31 as current kernels lay it out (device-wide
// counters in <dev>/hw_counters), rdmap16s27 as 5.x kernels did (every
// counter in ports/1/hw_counters).
TEST(InfinibandEfa, PortCounters) {
  MetricSet set;
  NewInfinibandCollector(FixturePaths(testing::FixturePath("infiniband_efa")), {})->Collect(set);
  Labels port = {{"device", "rdmap0s31"}, {"port", "1"}};
  EXPECT_EQ(Value(set, "node_infiniband_info",
                  {{"board_id", ""}, {"device", "rdmap0s31"}, {"firmware_version", ""}, {"hca_type", ""}}),
            1);
  EXPECT_EQ(Value(set, "node_infiniband_rate_bytes_per_second", port), 12.5e9);
  EXPECT_EQ(Value(set, "node_infiniband_efa_tx_bytes_total", port), 1190133223432);
  EXPECT_EQ(Value(set, "node_infiniband_efa_tx_packets_total", port), 982134411);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rx_bytes_total", port), 1187652090120);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rx_packets_total", port), 981004312);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rx_drops_total", port), 3);
  EXPECT_EQ(Value(set, "node_infiniband_efa_send_bytes_total", port), 52310091);
  EXPECT_EQ(Value(set, "node_infiniband_efa_send_work_requests_total", port), 91230);
  EXPECT_EQ(Value(set, "node_infiniband_efa_recv_bytes_total", port), 51902114);
  EXPECT_EQ(Value(set, "node_infiniband_efa_recv_work_requests_total", port), 90877);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_read_work_requests_total", port), 1204);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_read_bytes_total", port), 987654321);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_read_work_request_errors_total", port), 2);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_read_response_bytes_total", port), 123456789);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_write_work_requests_total", port), 77012);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_write_bytes_total", port), 1099511627776);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_write_work_request_errors_total", port), 0);
  EXPECT_EQ(Value(set, "node_infiniband_efa_rdma_write_received_bytes_total", port), 1099511627000);
  EXPECT_EQ(Value(set, "node_infiniband_efa_retransmitted_bytes_total", port), 4096);
  EXPECT_EQ(Value(set, "node_infiniband_efa_retransmitted_packets_total", port), 4);
  EXPECT_EQ(Value(set, "node_infiniband_efa_retransmit_timeout_events_total", port), 1);
  EXPECT_EQ(Value(set, "node_infiniband_efa_unresponsive_remote_events_total", port), 0);
  EXPECT_EQ(Value(set, "node_infiniband_efa_impaired_remote_connection_events_total", port), 5);
  // The port's lifespan is node_exporter's own family; EFA's is the device's.
  EXPECT_EQ(Value(set, "node_infiniband_lifespan_seconds", port), 0);
  auto f = testing::Find(set, "node_infiniband_efa_tx_bytes_total");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Counter);
  EXPECT_EQ(f->help, "Bytes transmitted by the EFA port.");
}

TEST(InfinibandEfa, DeviceCounters) {
  MetricSet set;
  NewInfinibandCollector(FixturePaths(testing::FixturePath("infiniband_efa")), {})->Collect(set);
  Labels dev = {{"device", "rdmap0s31"}};
  EXPECT_EQ(Value(set, "node_infiniband_efa_admin_submitted_commands_total", dev), 4521);
  EXPECT_EQ(Value(set, "node_infiniband_efa_admin_completed_commands_total", dev), 4520);
  EXPECT_EQ(Value(set, "node_infiniband_efa_admin_command_errors_total", dev), 30);
  EXPECT_EQ(Value(set, "node_infiniband_efa_admin_no_completion_commands_total", dev), 1);
  EXPECT_EQ(Value(set, "node_infiniband_efa_keep_alive_received_total", dev), 50);
  EXPECT_EQ(Value(set, "node_infiniband_efa_alloc_pd_errors_total", dev), 60);
  EXPECT_EQ(Value(set, "node_infiniband_efa_create_qp_errors_total", dev), 70);
  EXPECT_EQ(Value(set, "node_infiniband_efa_create_cq_errors_total", dev), 80);
  EXPECT_EQ(Value(set, "node_infiniband_efa_reg_mr_errors_total", dev), 90);
  EXPECT_EQ(Value(set, "node_infiniband_efa_alloc_ucontext_errors_total", dev), 100);
  EXPECT_EQ(Value(set, "node_infiniband_efa_create_ah_errors_total", dev), 110);
  EXPECT_EQ(Value(set, "node_infiniband_efa_mmap_errors_total", dev), 120);
  EXPECT_DOUBLE_EQ(Value(set, "node_infiniband_efa_lifespan_seconds", dev), 0.01);
  EXPECT_EQ(set.Find("node_infiniband_efa_lifespan_seconds")->type, MetricType::Gauge);
  // 5.x layout: device-wide counters found in the port's directory keep the device label only.
  Labels old = {{"device", "rdmap16s27"}};
  EXPECT_EQ(Value(set, "node_infiniband_efa_keep_alive_received_total", old), 1800);
  EXPECT_EQ(Value(set, "node_infiniband_efa_mmap_errors_total", old), 7);
  EXPECT_EQ(Value(set, "node_infiniband_efa_tx_bytes_total", {{"device", "rdmap16s27"}, {"port", "1"}}), 2048);
  EXPECT_EQ(SampleCount(set, "node_infiniband_efa_keep_alive_received_total"), 2u);
  EXPECT_EQ(SampleCount(set, "node_infiniband_efa_lifespan_seconds"), 1u);
}

TEST(InfinibandEfa, OnlyForTheEfaDriver) {
  testing::TempDir dir;
  WriteMlx4(dir, "rdmap0s31");
  dir.Write("sys/class/infiniband/rdmap0s31/ports/1/hw_counters/tx_bytes", "100\n");
  dir.Write("sys/class/infiniband/rdmap0s31/hw_counters/alloc_pd_err", "1\n");
  std::filesystem::create_directories(dir.path() + "/sys/class/infiniband/rdmap0s31/device");
  std::filesystem::create_directory_symlink("../../../../bus/pci/drivers/mlx5_core",
                                            dir.path() + "/sys/class/infiniband/rdmap0s31/device/driver");
  {
    MetricSet set;
    NewInfinibandCollector(FixturePaths(dir.path()), {})->Collect(set);
    EXPECT_EQ(set.Find("node_infiniband_efa_tx_bytes_total"), nullptr);
    EXPECT_EQ(set.Find("node_infiniband_efa_alloc_pd_errors_total"), nullptr);
  }
  std::filesystem::remove(dir.path() + "/sys/class/infiniband/rdmap0s31/device/driver");
  std::filesystem::create_directory_symlink("../../../../bus/pci/drivers/efa",
                                            dir.path() + "/sys/class/infiniband/rdmap0s31/device/driver");
  MetricSet set;
  NewInfinibandCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_EQ(Value(set, "node_infiniband_efa_tx_bytes_total", {{"device", "rdmap0s31"}, {"port", "1"}}), 100);
  EXPECT_EQ(Value(set, "node_infiniband_efa_alloc_pd_errors_total", {{"device", "rdmap0s31"}}), 1);
  // node_exporter's families are unchanged beside them.
  EXPECT_EQ(Value(set, "node_infiniband_out_of_buffer_drops_total", {{"device", "rdmap0s31"}, {"port", "1"}}), 12);
}

}  // namespace
}  // namespace node_agent
