#include "collectors/ethtool.h"

#include <gtest/gtest.h>
#include <linux/ethtool.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "lib/fs.h"
#include "tests/support/sysnet_test_util.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// --- A source replaying `ethtool -i/-S/<dev>` text dumps ---------------------
// Laid out as node_exporter's fixtures/ethtool/<device>/{driver,statistics,settings};
// a missing file is an operation the driver lacks (EOPNOTSUPP) and a
// statistics line "ERROR: N" makes the call fail with errno N. Stats are
// served as the kernel does: a GSTRINGS buffer of 32-byte names and a u64 array.
class RecordedEthtool : public EthtoolSource {
 public:
  explicit RecordedEthtool(std::string dir) : dir_(std::move(dir)) {}

  struct Stats {
    int error = 0;
    std::vector<std::string> names;
    std::vector<uint64_t> values;
  };
  Stats& stats(const std::string& device) { return Load(device); }

  int DriverInfo(const std::string& device, EthtoolDriverInfo& out) override {
    ++driver_info_calls;
    auto text = ReadFile(dir_ + "/" + device + "/driver");
    if (!text) return EOPNOTSUPP;
    // Through the kernel struct, as the ioctl would deliver it.
    ethtool_drvinfo raw{};
    for (auto line : Lines(*text)) {
      if (line.empty() || line[0] == '#') continue;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      auto key = Trim(line.substr(0, colon));
      auto value = std::string(Trim(line.substr(colon + 1)));
      auto put = [&](char* field, size_t size) { std::strncpy(field, value.c_str(), size - 1); };
      if (key == "driver") put(raw.driver, sizeof raw.driver);
      if (key == "version") put(raw.version, sizeof raw.version);
      if (key == "firmware-version") put(raw.fw_version, sizeof raw.fw_version);
      if (key == "expansion-rom-version") put(raw.erom_version, sizeof raw.erom_version);
      if (key == "bus-info") put(raw.bus_info, sizeof raw.bus_info);
    }
    out = DecodeDriverInfo(raw);
    return 0;
  }

  int StatCount(const std::string& device, uint32_t& count) override {
    ++stat_count_calls;
    auto& s = Load(device);
    if (s.error) return s.error;
    count = static_cast<uint32_t>(s.names.size());
    return 0;
  }

  int StatNames(const std::string& device, uint32_t& count, std::string& raw) override {
    ++stat_names_calls;
    auto& s = Load(device);
    if (s.error) return s.error;
    count = static_cast<uint32_t>(s.names.size());
    raw.assign(s.names.size() * kEthGstringLen, '\0');
    for (size_t i = 0; i < s.names.size(); ++i) {
      std::memcpy(raw.data() + i * kEthGstringLen, s.names[i].data(), std::min(s.names[i].size(), kEthGstringLen));
    }
    return 0;
  }

  int StatValues(const std::string& device, uint32_t expected, std::vector<uint64_t>& values) override {
    ++stat_values_calls;
    auto& s = Load(device);
    if (s.error) return s.error;
    // struct ethtool_stats followed by the values, decoded like the ioctl's.
    uint32_t capacity = expected + 8;
    std::vector<uint64_t> buffer(capacity + 1);
    ethtool_stats header{ETHTOOL_GSTATS, static_cast<uint32_t>(s.values.size())};
    std::memcpy(buffer.data(), &header, sizeof header);
    std::copy_n(s.values.begin(), std::min<size_t>(s.values.size(), capacity), buffer.begin() + 1);
    auto decoded = DecodeStatValues(buffer, capacity);
    if (!decoded) return EOVERFLOW;
    values = *decoded;
    return 0;
  }

  int LinkInfo(const std::string& device, EthtoolLinkInfo& out) override {
    ++link_info_calls;
    auto text = ReadFile(dir_ + "/" + device + "/settings");
    if (!text) return EOPNOTSUPP;
    ethtool_cmd raw{};
    enum { kNone, kSupported, kAdvertised } modes = kNone;
    for (auto line : Lines(*text)) {
      line = Trim(line);
      if (line.empty() || line[0] == '#' || line.rfind("Settings for", 0) == 0) continue;
      auto colon = line.find(": ");
      if (colon == std::string_view::npos && modes != kNone) {
        (modes == kSupported ? raw.supported : raw.advertising) |= Modes(line);
        continue;
      }
      modes = kNone;
      if (colon == std::string_view::npos) continue;
      auto key = line.substr(0, colon);
      auto value = Trim(line.substr(colon + 2));
      if (key == "Supported link modes") raw.supported |= Modes(value), modes = kSupported;
      if (key == "Advertised link modes") raw.advertising |= Modes(value), modes = kAdvertised;
      if (key == "Supported ports") raw.supported |= Ports(value);
      if (key == "Supported pause frame use") raw.supported |= Pause(value);
      if (key == "Advertised pause frame use") raw.advertising |= Pause(value);
      if (key == "Supports auto-negotiation" && value == "Yes") raw.supported |= 1u << ETHTOOL_LINK_MODE_Autoneg_BIT;
      if (key == "Advertised auto-negotiation" && value == "Yes") {
        raw.advertising |= 1u << ETHTOOL_LINK_MODE_Autoneg_BIT;
      }
      if (key == "Auto-negotiation") raw.autoneg = value == "on";
    }
    out = DecodeLegacySettings(raw);
    return 0;
  }

  int driver_info_calls = 0, stat_count_calls = 0, stat_names_calls = 0, stat_values_calls = 0,
      link_info_calls = 0;

 private:
  static uint32_t Modes(std::string_view list) {
    static const std::map<std::string_view, int> bits = {
        {"10baseT/Half", ETHTOOL_LINK_MODE_10baseT_Half_BIT},     {"10baseT/Full", ETHTOOL_LINK_MODE_10baseT_Full_BIT},
        {"100baseT/Half", ETHTOOL_LINK_MODE_100baseT_Half_BIT},   {"100baseT/Full", ETHTOOL_LINK_MODE_100baseT_Full_BIT},
        {"1000baseT/Half", ETHTOOL_LINK_MODE_1000baseT_Half_BIT}, {"1000baseT/Full", ETHTOOL_LINK_MODE_1000baseT_Full_BIT},
        {"10000baseT/Full", ETHTOOL_LINK_MODE_10000baseT_Full_BIT}, {"25000baseCR/Full", ETHTOOL_LINK_MODE_25000baseCR_Full_BIT},
    };
    uint32_t out = 0;
    for (auto m : Fields(list)) {
      if (auto it = bits.find(m); it != bits.end()) out |= 1u << it->second;
    }
    return out;
  }
  static uint32_t Ports(std::string_view list) {
    uint32_t out = 0;
    for (auto p : Fields(list)) {
      if (p == "TP") out |= 1u << ETHTOOL_LINK_MODE_TP_BIT;
      if (p == "MII") out |= 1u << ETHTOOL_LINK_MODE_MII_BIT;
      if (p == "FIBRE") out |= 1u << ETHTOOL_LINK_MODE_FIBRE_BIT;
    }
    return out;
  }
  static uint32_t Pause(std::string_view v) {
    if (v == "Symmetric") return 1u << ETHTOOL_LINK_MODE_Pause_BIT;
    if (v == "Receive-only") return 1u << ETHTOOL_LINK_MODE_Asym_Pause_BIT;
    return 0;
  }

  Stats& Load(const std::string& device) {
    auto [it, fresh] = stats_.try_emplace(device);
    if (!fresh) return it->second;
    Stats& s = it->second;
    auto text = ReadFile(dir_ + "/" + device + "/statistics");
    if (!text) {
      s.error = EOPNOTSUPP;
      return s;
    }
    for (auto line : Lines(*text)) {
      line = Trim(line);
      if (line.empty() || line[0] == '#' || line.rfind("NIC statistics:", 0) == 0) continue;
      auto sep = line.rfind(": ");
      if (sep == std::string_view::npos) continue;
      auto name = line.substr(0, sep);
      auto value = ParseUint(Trim(line.substr(sep + 2))).value_or(0);
      if (name == "ERROR") {
        s.error = static_cast<int>(value);
        return s;
      }
      s.names.emplace_back(name);
      s.values.push_back(value);
    }
    return s;
  }

  std::string dir_;
  std::map<std::string, Stats> stats_;
};

Regex Everything() { return Regex::ForFlag("test", ".*"); }

// --- Naming -------------------------------------------------------------------

TEST(EthtoolNaming, NodeExporterExamples) {
  // buildEthtoolFQName cases from node_exporter's tests (sanitized first, as the collector does).
  const std::map<std::string, std::string> cases = {
      {"port.rx_errors", "node_ethtool_port_received_errors"},
      {"rx_errors", "node_ethtool_received_errors"},
      {"Queue[0] AllocFails", "node_ethtool_queue_0_allocfails"},
      {"Tx LPI entry count", "node_ethtool_transmitted_lpi_entry_count"},
      {"port.VF_admin_queue_requests", "node_ethtool_port_vf_admin_queue_requests"},
      {"[3]: tx_bytes", "node_ethtool_3_transmitted_bytes"},
      {"     err", "node_ethtool_err"},
  };
  for (const auto& [raw, want] : cases) {
    EXPECT_EQ(EthtoolMetricName(SanitizeEthtoolName(raw)), want) << raw;
  }
}

TEST(EthtoolNaming, SanitizeCollapsesInvalidRunsWithTheirUnderscores) {
  EXPECT_EQ(SanitizeEthtoolName("port.rx_dropped"), "port_rx_dropped");
  EXPECT_EQ(SanitizeEthtoolName("a_._.b"), "a__b");  // two matches: "_._" then "."
  EXPECT_EQ(SanitizeEthtoolName("a__b"), "a__b");    // no invalid char: untouched
  EXPECT_EQ(SanitizeEthtoolName("duplicate metric"), "duplicate_metric");
  EXPECT_EQ(SanitizeEthtoolName("x__"), "x__");
  EXPECT_EQ(SanitizeEthtoolName("rx-0.bytes"), "rx_0_bytes");
  EXPECT_EQ(SanitizeEthtoolName("caf\xc3\xa9 x"), "caf_x");  // a multi-byte rune is one invalid char
  EXPECT_EQ(SanitizeEthtoolName(""), "");
}

TEST(EthtoolNaming, RxTxRenamingMatchesGoRegexpSemantics) {
  // (^|_)rx(_|$): a match consumes the '_' after it, so "rx_rx" renames once.
  EXPECT_EQ(EthtoolMetricName("rx_rx"), "node_ethtool_received_rx");
  EXPECT_EQ(EthtoolMetricName("tx_rx_tx"), "node_ethtool_transmitted_received_transmitted");
  EXPECT_EQ(EthtoolMetricName("rx"), "node_ethtool_received");
  EXPECT_EQ(EthtoolMetricName("rxq_rx0_tx_"), "node_ethtool_rxq_rx0_transmitted_");
  EXPECT_EQ(EthtoolMetricName("queue_0_tx_tx_poll"), "node_ethtool_queue_0_transmitted_tx_poll");
  EXPECT_EQ(EthtoolMetricName("__RX_Bytes"), "node_ethtool_received_bytes");
  EXPECT_EQ(EthtoolMetricName("bw_in_allowance_exceeded"), "node_ethtool_bw_in_allowance_exceeded");
}

// --- Decoding -----------------------------------------------------------------

TEST(EthtoolDecode, StatNamesFromGstringsBuffer) {
  std::string raw(4 * kEthGstringLen, '\0');
  std::memcpy(raw.data(), "rx_packets", 10);
  // A name filling all 32 bytes has no NUL.
  std::string full(kEthGstringLen, 'q');
  std::memcpy(raw.data() + kEthGstringLen, full.data(), kEthGstringLen);
  // Slot 2 empty; slot 3 has garbage after its NUL.
  std::memcpy(raw.data() + 3 * kEthGstringLen, "tx\0junk", 7);
  auto names = DecodeStatNames(raw, 4);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "rx_packets");
  EXPECT_EQ(names[1], full);
  EXPECT_EQ(names[2], "");
  EXPECT_EQ(names[3], "tx");
  // A count beyond the buffer is cut to what the buffer holds.
  EXPECT_EQ(DecodeStatNames(raw, 9).size(), 4u);
  EXPECT_EQ(DecodeStatNames(raw, 2).size(), 2u);
}

TEST(EthtoolDecode, StatValuesFromGstatsBuffer) {
  std::vector<uint64_t> buffer(1 + 4, 0);
  ethtool_stats header{ETHTOOL_GSTATS, 3};
  std::memcpy(buffer.data(), &header, sizeof header);
  buffer[1] = 7;
  buffer[2] = UINT64_MAX;
  buffer[3] = 0;
  auto v = DecodeStatValues(buffer, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (std::vector<uint64_t>{7, UINT64_MAX, 0}));
  // The kernel claiming more than the buffer holds is refused.
  header.n_stats = 5;
  std::memcpy(buffer.data(), &header, sizeof header);
  EXPECT_FALSE(DecodeStatValues(buffer, 4));
  EXPECT_FALSE(DecodeStatValues({}, 0));
}

TEST(EthtoolDecode, DriverInfoStopsAtNul) {
  ethtool_drvinfo raw{};
  std::strcpy(raw.driver, "ena");
  std::strcpy(raw.version, "2.13.0g");
  std::strcpy(raw.bus_info, "0000:00:05.0");
  std::memset(raw.fw_version, 'f', sizeof raw.fw_version);  // unterminated: whole field
  auto info = DecodeDriverInfo(raw);
  EXPECT_EQ(info.driver, "ena");
  EXPECT_EQ(info.version, "2.13.0g");
  EXPECT_EQ(info.bus_info, "0000:00:05.0");
  EXPECT_EQ(info.firmware_version, std::string(sizeof raw.fw_version, 'f'));
  EXPECT_EQ(info.expansion_rom_version, "");
}

TEST(EthtoolDecode, LinkSettingsKeepTheLegacy32Bits) {
  // nwords 3: supported, advertising, lp_advertising of 3 u32 each.
  uint32_t masks[9] = {};
  masks[0] = (1u << ETHTOOL_LINK_MODE_1000baseT_Full_BIT) | (1u << ETHTOOL_LINK_MODE_TP_BIT);
  masks[1] = 1u << (ETHTOOL_LINK_MODE_100000baseKR4_Full_BIT - 32);  // bit 38: not exported
  masks[3] = 1u << ETHTOOL_LINK_MODE_Pause_BIT;
  masks[6] = 0xffffffff;  // link partner: ignored
  auto link = DecodeLinkSettings(1, masks, 3);
  EXPECT_EQ(link.supported, masks[0]);
  EXPECT_EQ(link.advertising, masks[3]);
  EXPECT_EQ(link.autoneg, 1);
  ethtool_cmd legacy{};
  legacy.supported = 5;
  legacy.advertising = 6;
  legacy.autoneg = AUTONEG_ENABLE;
  auto l2 = DecodeLegacySettings(legacy);
  EXPECT_EQ(l2.supported, 5u);
  EXPECT_EQ(l2.advertising, 6u);
  EXPECT_EQ(l2.autoneg, 1);
}

// --- Planning -------------------------------------------------------------------

TEST(EthtoolPlan, WellKnownNamesDuplicatesAndInclude) {
  std::vector<std::string> names = {"rx_bytes",        "tx_packets", "port.rx_dropped", "duplicate metric",
                                    "duplicate_metric", "",           "queue_0_tx_cnt",  "queue_0_tx_cnt"};
  auto plan = PlanEthtoolStats(names, Everything());
  std::map<std::string, EthtoolStatSeries> by_metric;
  for (const auto& s : plan) by_metric.emplace(s.metric, s);
  ASSERT_EQ(by_metric.size(), 4u);
  EXPECT_EQ(by_metric.at("node_ethtool_received_bytes_total").index, 0u);
  EXPECT_EQ(by_metric.at("node_ethtool_received_bytes_total").help, "Network interface bytes received");
  EXPECT_EQ(by_metric.at("node_ethtool_transmitted_packets_total").help, "Network interface packets sent");
  EXPECT_EQ(by_metric.at("node_ethtool_port_received_dropped").index, 2u);
  EXPECT_EQ(by_metric.at("node_ethtool_port_received_dropped").help, "Network interface port_rx_dropped");
  // The same raw name twice keeps the later slot, as a Go map would.
  EXPECT_EQ(by_metric.at("node_ethtool_queue_0_transmitted_cnt").index, 7u);
  EXPECT_FALSE(by_metric.count("node_ethtool_duplicate_metric"));
  EXPECT_TRUE(std::is_sorted(plan.begin(), plan.end(),
                             [](const auto& a, const auto& b) { return a.metric < b.metric; }));

  // The include regex sees sanitized names, unanchored.
  auto only_port = PlanEthtoolStats(names, Regex::ForFlag("test", "port_rx"));
  ASSERT_EQ(only_port.size(), 1u);
  EXPECT_EQ(only_port[0].metric, "node_ethtool_port_received_dropped");
  EXPECT_TRUE(PlanEthtoolStats(names, Regex::ForFlag("test", "port\\.rx")).empty());
}

TEST(EthtoolPlan, DefaultIncludeKeepsEnaAllowancesNotQueues) {
  RecordedEthtool ena(FixturePath("ethtool/ethtool"));
  auto& s = ena.stats("eth0");
  auto plan = PlanEthtoolStats(s.names, Regex::ForFlag("test", kEthtoolDefaultMetricsInclude));
  std::vector<std::string> metrics;
  for (const auto& p : plan) metrics.push_back(p.metric);
  EXPECT_EQ(metrics, (std::vector<std::string>{
                         "node_ethtool_bw_in_allowance_exceeded",
                         "node_ethtool_bw_out_allowance_exceeded",
                         "node_ethtool_conntrack_allowance_available",
                         "node_ethtool_conntrack_allowance_exceeded",
                         "node_ethtool_linklocal_allowance_exceeded",
                         "node_ethtool_pps_allowance_exceeded",
                         "node_ethtool_transmitted_timeout",
                         "node_ethtool_wd_expired",
                     }));
}

// --- Link metrics -----------------------------------------------------------------

TEST(EthtoolLink, SpeedsPortsAndCapabilities) {
  EthtoolLinkInfo link;
  link.supported = (1u << ETHTOOL_LINK_MODE_10baseT_Half_BIT) | (1u << ETHTOOL_LINK_MODE_1000baseT_Full_BIT) |
                   (1u << ETHTOOL_LINK_MODE_25000baseCR_Full_BIT) | (1u << ETHTOOL_LINK_MODE_TP_BIT) |
                   (1u << ETHTOOL_LINK_MODE_Backplane_BIT) | (1u << ETHTOOL_LINK_MODE_Autoneg_BIT) |
                   (1u << ETHTOOL_LINK_MODE_Asym_Pause_BIT);
  link.advertising = (1u << ETHTOOL_LINK_MODE_1000baseT_Full_BIT) | (1u << ETHTOOL_LINK_MODE_Pause_BIT);
  link.autoneg = 1;
  MetricSet out;
  AddEthtoolLinkMetrics(out, "eth1", link);
  EXPECT_EQ(SampleCount(out, "node_network_supported_speed_bytes"), 3u);
  EXPECT_EQ(Value(out, "node_network_supported_speed_bytes", {{"device", "eth1"}, {"duplex", "half"}, {"mode", "10baseT"}}),
            1.25e6);
  EXPECT_EQ(Value(out, "node_network_supported_speed_bytes", {{"device", "eth1"}, {"duplex", "full"}, {"mode", "25000baseCR"}}),
            25000 * 125000.0);
  EXPECT_EQ(Value(out, "node_network_advertised_speed_bytes", {{"device", "eth1"}, {"duplex", "full"}, {"mode", "1000baseT"}}),
            1.25e8);
  EXPECT_EQ(SampleCount(out, "node_network_supported_port_info"), 2u);
  EXPECT_EQ(Value(out, "node_network_supported_port_info", {{"device", "eth1"}, {"type", "Backplane"}}), 1);
  EXPECT_EQ(Value(out, "node_network_autonegotiate_supported", {{"device", "eth1"}}), 1);
  EXPECT_EQ(Value(out, "node_network_asymmetricpause_supported", {{"device", "eth1"}}), 1);
  EXPECT_EQ(Value(out, "node_network_pause_supported", {{"device", "eth1"}}), 0);
  EXPECT_EQ(Value(out, "node_network_pause_advertised", {{"device", "eth1"}}), 1);
  EXPECT_EQ(Value(out, "node_network_autonegotiate_advertised", {{"device", "eth1"}}), 0);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", {{"device", "eth1"}}), 1);
  EXPECT_EQ(out.Find("node_network_autonegotiate")->help, "If this port is using autonegotiate");
  EXPECT_EQ(out.Find("node_network_autonegotiate")->type, MetricType::Gauge);
}

// --- Collector ------------------------------------------------------------------------

struct Harness {
  RecordedEthtool* source;
  std::unique_ptr<Collector> collector;
};

Harness Make(const Paths& paths, const std::string& recordings, EthtoolOptions options = {}) {
  auto source = std::make_unique<RecordedEthtool>(recordings);
  auto* raw = source.get();
  return {raw, NewEthtoolCollector(paths, options, std::move(source))};
}

TEST(EthtoolCollector, Ec2EnaNodeWithDefaults) {
  auto h = Make(FixturePaths(FixturePath("ethtool")), FixturePath("ethtool/ethtool"));
  MetricSet out;
  h.collector->Collect(out);
  Labels eth0 = {{"device", "eth0"}};
  EXPECT_EQ(Value(out, "node_ethtool_bw_in_allowance_exceeded", eth0), 1834);
  EXPECT_EQ(Value(out, "node_ethtool_bw_out_allowance_exceeded", eth0), 27);
  EXPECT_EQ(Value(out, "node_ethtool_pps_allowance_exceeded", eth0), 5120);
  EXPECT_EQ(Value(out, "node_ethtool_conntrack_allowance_exceeded", eth0), 3);
  EXPECT_EQ(Value(out, "node_ethtool_linklocal_allowance_exceeded", eth0), 96);
  EXPECT_EQ(Value(out, "node_ethtool_conntrack_allowance_available", eth0), 291337);
  EXPECT_EQ(Value(out, "node_ethtool_wd_expired", eth0), 1);
  auto f = testing::Find(out, "node_ethtool_pps_allowance_exceeded");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Untyped);
  EXPECT_EQ(f->help, "Network interface pps_allowance_exceeded");
  EXPECT_EQ(out.Find("node_ethtool_queue_0_transmitted_cnt"), nullptr);

  EXPECT_EQ(Value(out, "node_ethtool_info",
                  {{"bus_info", "0000:00:05.0"},
                   {"device", "eth0"},
                   {"driver", "ena"},
                   {"expansion_rom_version", ""},
                   {"firmware_version", ""},
                   {"version", "2.13.0g"}}),
            1);
  // docker0: info and link settings, no stats; lo: nothing at all.
  EXPECT_EQ(SampleCount(out, "node_ethtool_info"), 2u);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", {{"device", "docker0"}}), 0);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", eth0), 0);
  EXPECT_EQ(SampleCount(out, "node_network_autonegotiate"), 2u);
  EXPECT_EQ(out.Find("node_network_supported_speed_bytes"), nullptr);
  for (const auto& fam : testing::Decode(out.families())) {
    for (const auto& m : fam.metric) {
      for (const auto& l : m.label) EXPECT_NE(l.value, "lo") << fam.name;
      for (const auto& l : m.label) EXPECT_NE(l.value, "bonding_masters") << fam.name;
    }
  }
}

TEST(EthtoolCollector, ScrapeCostsOneStatsReadPerNicOnceNamesAreCached) {
  auto h = Make(FixturePaths(FixturePath("ethtool")), FixturePath("ethtool/ethtool"));
  MetricSet first;
  h.collector->Collect(first);
  int names = h.source->stat_names_calls, info = h.source->driver_info_calls;
  int links = h.source->link_info_calls, counts = h.source->stat_count_calls;
  EXPECT_EQ(names, 1);  // eth0 only: docker0 and lo have no stats
  for (int i = 0; i < 3; ++i) {
    MetricSet again;
    h.collector->Collect(again);
    EXPECT_EQ(testing::Serialize(again), testing::Serialize(first));
  }
  EXPECT_EQ(h.source->stat_names_calls, names);
  EXPECT_EQ(h.source->driver_info_calls, info);
  // Per scrape: link info for eth0 and docker0 (lo is remembered as unsupported)
  // and one GSTATS for eth0; no GSSET_INFO once the names are known.
  EXPECT_EQ(h.source->link_info_calls, links + 3 * 2);
  EXPECT_EQ(h.source->stat_count_calls, counts);
  EXPECT_EQ(h.source->stat_values_calls, 4);
}

TEST(EthtoolCollector, StatCountChangeReloadsNames) {
  auto h = Make(FixturePaths(FixturePath("ethtool")), FixturePath("ethtool/ethtool"));
  MetricSet out;
  h.collector->Collect(out);
  // ethtool -L: the driver now has one more stat, in front of the others.
  auto& s = h.source->stats("eth0");
  s.names.insert(s.names.begin(), "rx_drops");
  s.values.insert(s.values.begin(), 77);
  MetricSet after;
  h.collector->Collect(after);
  EXPECT_EQ(h.source->stat_names_calls, 2);
  // The new count came from GSTATS itself: the names were fetched again,
  // then the values with the new count.
  EXPECT_EQ(h.source->stat_count_calls, 3);  // first scrape only: docker0, eth0, lo
  EXPECT_EQ(h.source->stat_values_calls, 3);
  EXPECT_EQ(h.source->driver_info_calls, 3);  // docker0, eth0, lo; eth0's again from the next scrape
  EXPECT_EQ(Value(after, "node_ethtool_received_drops", {{"device", "eth0"}}), 77);
  EXPECT_EQ(Value(after, "node_ethtool_bw_in_allowance_exceeded", {{"device", "eth0"}}), 1834);

  // Fewer stats (queues removed): the same.
  s.names.erase(s.names.begin(), s.names.begin() + 2);
  s.values.erase(s.values.begin(), s.values.begin() + 2);
  MetricSet fewer;
  h.collector->Collect(fewer);
  EXPECT_EQ(h.source->stat_names_calls, 3);
  EXPECT_EQ(h.source->stat_count_calls, 3);
  EXPECT_EQ(h.source->driver_info_calls, 4);
  EXPECT_EQ(Value(fewer, "node_ethtool_received_drops", {{"device", "eth0"}}), -12345.678);
  EXPECT_EQ(Value(fewer, "node_ethtool_bw_in_allowance_exceeded", {{"device", "eth0"}}), 1834);
  MetricSet steady;
  h.collector->Collect(steady);
  EXPECT_EQ(h.source->stat_names_calls, 3);
  EXPECT_EQ(testing::Serialize(steady), testing::Serialize(fewer));
}

// An interface that goes away and comes back under the same name (driver
// rebound, a new ifindex) gets a new sysfs entry: everything is fetched again.
TEST(EthtoolCollector, RecreatedInterfaceIsFetchedAgain) {
  TempDir sys;
  sys.Write("sys/class/net/eth0/operstate", "up\n");
  auto h = Make(FixturePaths(sys.path()), FixturePath("ethtool/ethtool"));
  MetricSet first;
  h.collector->Collect(first);
  MetricSet second;
  h.collector->Collect(second);
  EXPECT_EQ(h.source->driver_info_calls, 1);
  EXPECT_EQ(h.source->stat_count_calls, 1);
  EXPECT_EQ(h.source->stat_names_calls, 1);
  // Keep the old directory (and so its inode number) alive elsewhere.
  std::filesystem::rename(sys.path() + "/sys/class/net/eth0", sys.path() + "/eth0.old");
  sys.Write("sys/class/net/eth0/operstate", "up\n");
  MetricSet third;
  h.collector->Collect(third);
  EXPECT_EQ(h.source->driver_info_calls, 2);
  EXPECT_EQ(h.source->stat_count_calls, 2);
  EXPECT_EQ(h.source->stat_names_calls, 2);
  EXPECT_EQ(testing::Serialize(third), testing::Serialize(first));
}

TEST(EthtoolCollector, NewDeviceOnRescanAndFilters) {
  TempDir sys;
  sys.Write("sys/class/net/eth0/operstate", "up\n");
  sys.Write("sys/class/net/bonding_masters", "\n");
  auto h = Make(FixturePaths(sys.path()), FixturePath("ethtool/ethtool"));
  MetricSet out;
  h.collector->Collect(out);
  EXPECT_EQ(SampleCount(out, "node_ethtool_info"), 1u);
  sys.Write("sys/class/net/docker0/operstate", "down\n");
  MetricSet after;
  h.collector->Collect(after);
  EXPECT_EQ(SampleCount(after, "node_ethtool_info"), 2u);

  EthtoolOptions exclude;
  exclude.device_exclude = "^docker";
  auto ex = Make(FixturePaths(sys.path()), FixturePath("ethtool/ethtool"), exclude);
  MetricSet ex_out;
  ex.collector->Collect(ex_out);
  EXPECT_EQ(SampleCount(ex_out, "node_ethtool_info"), 1u);
  EXPECT_EQ(Value(ex_out, "node_network_autonegotiate", {{"device", "docker0"}}), -12345.678);

  EthtoolOptions include;
  include.device_include = "^docker";
  include.metrics_include = ".*";
  auto in = Make(FixturePaths(sys.path()), FixturePath("ethtool/ethtool"), include);
  MetricSet in_out;
  in.collector->Collect(in_out);
  EXPECT_EQ(SampleCount(in_out, "node_ethtool_info"), 1u);
  EXPECT_EQ(in_out.Find("node_ethtool_queue_0_transmitted_cnt"), nullptr);

  EthtoolOptions bad;
  bad.metrics_include = "[";
  EXPECT_THROW(Make(FixturePaths(sys.path()), FixturePath("ethtool/ethtool"), bad), std::invalid_argument);
}

TEST(EthtoolCollector, NoNetClassIsNoDataAndEmptyIsAnError) {
  TempDir empty;
  auto h = Make(FixturePaths(empty.path()), FixturePath("ethtool/ethtool"));
  MetricSet out;
  EXPECT_EQ(RunCollect(*h.collector, out).status, CollectStatus::kNoData);
  std::filesystem::create_directories(empty.path() + "/sys/class/net");
  EXPECT_THROW(h.collector->Collect(out), std::runtime_error);
}

// node_exporter's own ethtool fixtures through decoding and naming, against the
// values node_exporter 1.12's collector test expects for them.
TEST(EthtoolCollector, ConformsToNodeExporterFixtures) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  // Its sys/class/net holds bond0, dmz, eth0, int and bonding_masters (eth0 is a
  // symlink upstream, a plain file in this copy): rebuild it with directories.
  TempDir sys;
  for (const char* dev : {"bond0", "dmz", "eth0", "int"}) sys.Write(std::string("sys/class/net/") + dev + "/x", "");
  sys.Write("sys/class/net/bonding_masters", "bond0\n");
  EthtoolOptions all;
  all.metrics_include = ".*";
  auto h = Make(FixturePaths(sys.path()), ne + "/fixtures/ethtool", all);
  MetricSet out;
  h.collector->Collect(out);

  std::map<std::string, double> want = {
      {"node_ethtool_align_errors", 0},
      {"node_ethtool_port_received_dropped", 12028},
      {"node_ethtool_received_broadcast", 5792},
      {"node_ethtool_received_errors_total", 0},
      {"node_ethtool_received_missed", 401},
      {"node_ethtool_received_multicast", 23973},
      {"node_ethtool_received_packets_total", 1260062},
      {"node_ethtool_received_unicast", 1230297},
      {"node_ethtool_transmitted_aborted", 0},
      {"node_ethtool_transmitted_errors_total", 0},
      {"node_ethtool_transmitted_multi_collisions", 0},
      {"node_ethtool_transmitted_packets_total", 961500},
      {"node_ethtool_transmitted_single_collisions", 0},
      {"node_ethtool_transmitted_underrun", 0},
  };
  std::map<std::string, double> got;
  for (const auto& f : testing::Decode(out.families())) {
    if (f.name.rfind("node_ethtool_", 0) != 0 || f.name == "node_ethtool_info") continue;
    for (const auto& m : f.metric) {
      ASSERT_EQ(m.label, (Labels{{"device", "eth0"}})) << f.name;
      got[f.name] = testing::SampleValue(f, m);
    }
    EXPECT_EQ(f.type, MetricType::Untyped) << f.name;
  }
  EXPECT_EQ(got, want);  // "duplicate metric" and "duplicate_metric" collide: both dropped
  EXPECT_EQ(out.Find("node_ethtool_port_received_dropped")->help, "Network interface port_rx_dropped");
  EXPECT_EQ(out.Find("node_ethtool_received_errors_total")->help, "Number of received frames with errors");

  EXPECT_EQ(SampleCount(out, "node_ethtool_info"), 1u);
  EXPECT_EQ(Value(out, "node_ethtool_info",
                  {{"bus_info", "0000:00:1f.6"},
                   {"device", "eth0"},
                   {"driver", "e1000e"},
                   {"expansion_rom_version", ""},
                   {"firmware_version", "0.5-4"},
                   {"version", "5.11.0-22-generic"}}),
            1);

  auto speed = [&](const char* family, const char* duplex, const char* mode) {
    return Value(out, family, {{"device", "eth0"}, {"duplex", duplex}, {"mode", mode}});
  };
  EXPECT_EQ(SampleCount(out, "node_network_supported_speed_bytes"), 6u);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "full", "10000baseT"), 1.25e9);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "full", "1000baseT"), 1.25e8);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "full", "100baseT"), 1.25e7);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "full", "10baseT"), 1.25e6);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "half", "100baseT"), 1.25e7);
  EXPECT_EQ(speed("node_network_supported_speed_bytes", "half", "10baseT"), 1.25e6);
  EXPECT_EQ(SampleCount(out, "node_network_advertised_speed_bytes"), 5u);
  EXPECT_EQ(speed("node_network_advertised_speed_bytes", "full", "1000baseT"), 1.25e8);
  EXPECT_EQ(speed("node_network_advertised_speed_bytes", "half", "10baseT"), 1.25e6);
  Labels eth0 = {{"device", "eth0"}};
  EXPECT_EQ(Value(out, "node_network_asymmetricpause_advertised", eth0), 0);
  EXPECT_EQ(Value(out, "node_network_asymmetricpause_supported", eth0), 0);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", eth0), 1);
  EXPECT_EQ(Value(out, "node_network_autonegotiate_advertised", eth0), 1);
  EXPECT_EQ(Value(out, "node_network_autonegotiate_supported", eth0), 1);
  EXPECT_EQ(Value(out, "node_network_pause_advertised", eth0), 1);
  EXPECT_EQ(Value(out, "node_network_pause_supported", eth0), 1);
  EXPECT_EQ(SampleCount(out, "node_network_supported_port_info"), 2u);
  EXPECT_EQ(Value(out, "node_network_supported_port_info", {{"device", "eth0"}, {"type", "MII"}}), 1);
  EXPECT_EQ(Value(out, "node_network_supported_port_info", {{"device", "eth0"}, {"type", "TP"}}), 1);
  // bond0's stats fail with EPERM, dmz and int have nothing: only eth0 appears.
  EXPECT_EQ(SampleCount(out, "node_network_autonegotiate"), 1u);
}

// The real SIOCETHTOOL on this machine's interfaces.
TEST(EthtoolCollector, LiveHost) {
  if (!IsDir("/sys/class/net")) GTEST_SKIP() << "no /sys/class/net";
  std::string physical;
  for (const auto& dev : ListDir("/sys/class/net")) {
    if (Exists("/sys/class/net/" + dev + "/device/driver")) {
      physical = dev;
      break;
    }
  }
  if (physical.empty()) GTEST_SKIP() << "no interface with a bound driver";
  auto source = NewIoctlEthtoolSource();
  ASSERT_NE(source, nullptr);
  EthtoolDriverInfo info;
  ASSERT_EQ(source->DriverInfo(physical, info), 0);
  auto driver_link = ReadLink("/sys/class/net/" + physical + "/device/driver");
  ASSERT_TRUE(driver_link);
  EXPECT_EQ(info.driver, std::string(BaseName(*driver_link))) << physical;
  EXPECT_EQ(source->DriverInfo("lo", info), EOPNOTSUPP);
  EXPECT_EQ(source->DriverInfo("no-such-nic0", info), ENODEV);

  uint32_t count = 0;
  if (source->StatCount(physical, count) == 0 && count > 0) {
    std::string raw;
    uint32_t got = count;
    ASSERT_EQ(source->StatNames(physical, got, raw), 0);
    EXPECT_EQ(got, count);
    auto names = DecodeStatNames(raw, got);
    ASSERT_EQ(names.size(), count);
    for (const auto& n : names) EXPECT_FALSE(n.empty());
    std::vector<uint64_t> values;
    ASSERT_EQ(source->StatValues(physical, count, values), 0);
    EXPECT_EQ(values.size(), count);
    // Asked with a stale, smaller count (as after ethtool -L), GSTATS still
    // gives every value (past 64 through the guard page and a second call).
    std::vector<uint64_t> again;
    ASSERT_EQ(source->StatValues(physical, 0, again), 0);
    EXPECT_EQ(again.size(), count);
  }

  EthtoolOptions all;
  all.metrics_include = ".*";
  auto c = NewEthtoolCollector(Paths{}, all);
  MetricSet out;
  c->Collect(out);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", {{"device", physical}}) >= 0, true);
  bool info_seen = false;
  if (auto f = testing::Find(out, "node_ethtool_info")) {
    for (const auto& m : f->metric) {
      for (const auto& l : m.label) info_seen |= l.name == "device" && l.value == physical;
    }
  }
  EXPECT_TRUE(info_seen);
  EXPECT_EQ(Value(out, "node_network_autonegotiate", {{"device", "lo"}}), -12345.678);
}

}  // namespace
}  // namespace node_agent
