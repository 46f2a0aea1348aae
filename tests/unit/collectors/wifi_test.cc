#include "collectors/wifi.h"

#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>

#include "tests/support/nl_builder.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::NlBuilder;
using testing::Value;

genlmsghdr Genl(uint8_t cmd) {
  genlmsghdr g{};
  g.cmd = cmd;
  return g;
}

constexpr uint16_t kFamily = 0x1c;  // a generic netlink family id

TEST(WifiParse, Interfaces) {
  NlBuilder b;
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_INTERFACE))
      .U32(NL80211_ATTR_IFINDEX, 3)
      .Str(NL80211_ATTR_IFNAME, "wlan0")
      .U32(NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION)
      .Bytes(NL80211_ATTR_MAC, std::string("\xaa\xbb\xcc\xdd\xee\xff", 6))
      .U32(NL80211_ATTR_WIPHY_FREQ, 5180)
      .End();
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_INTERFACE)).U32(NL80211_ATTR_IFTYPE, NL80211_IFTYPE_P2P_DEVICE).End();
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_INTERFACE)).U16(NL80211_ATTR_IFINDEX, 1).End().Done();
  std::vector<WifiInterface> ifis;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseWifiInterfaces(b.bytes(), ifis, skipped));
  ASSERT_EQ(ifis.size(), 2u);
  EXPECT_EQ(ifis[0].index, 3);
  EXPECT_EQ(ifis[0].name, "wlan0");
  EXPECT_EQ(ifis[0].frequency, 5180);
  EXPECT_EQ(FormatMac(ifis[0].hwaddr), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(ifis[1].name, "");  // a P2P device has no netdev
  EXPECT_EQ(skipped.size(), 1u);  // a u32 sent as 2 bytes
}

std::string Ies(const std::string& ssid) {
  std::string ies;
  ies += '\x01';  // supported rates first
  ies += '\x01';
  ies += '\x82';
  ies += '\x00';  // SSID
  ies += static_cast<char>(ssid.size());
  ies += ssid;
  return ies;
}

TEST(WifiParse, BssWithStatusIsTheAssociatedOne) {
  NlBuilder b;
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_SCAN_RESULTS))
      .U32(NL80211_ATTR_IFINDEX, 3)
      .Nest(NL80211_ATTR_BSS)
      .Bytes(NL80211_BSS_BSSID, std::string("\x01\x02\x03\x04\x05\x06", 6))
      .Bytes(NL80211_BSS_INFORMATION_ELEMENTS, Ies("other"))
      .EndNest()
      .End();
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_SCAN_RESULTS))
      .Nest(NL80211_ATTR_BSS)
      .Bytes(NL80211_BSS_BSSID, std::string("\x00\x11\x22\x33\x44\x55", 6))
      .Bytes(NL80211_BSS_INFORMATION_ELEMENTS, Ies("caf\xc3\xa9\xff"))
      .U32(NL80211_BSS_STATUS, NL80211_BSS_STATUS_ASSOCIATED)
      .EndNest()
      .End()
      .Done();
  std::optional<WifiBss> bss;
  ASSERT_TRUE(ParseWifiBss(b.bytes(), bss));
  ASSERT_TRUE(bss);
  EXPECT_EQ(FormatMac(bss->bssid), "00:11:22:33:44:55");
  EXPECT_EQ(bss->ssid, "caf\xc3\xa9\xef\xbf\xbd");  // the invalid byte becomes U+FFFD
  EXPECT_EQ(bss->status, 1);

  NlBuilder none;
  none.Begin(kFamily, Genl(NL80211_CMD_NEW_SCAN_RESULTS)).Nest(NL80211_ATTR_BSS).EndNest().End().Done();
  ASSERT_TRUE(ParseWifiBss(none.bytes(), bss));
  EXPECT_FALSE(bss);

  NlBuilder bad;  // an IE claiming more bytes than there are
  bad.Begin(kFamily, Genl(NL80211_CMD_NEW_SCAN_RESULTS))
      .Nest(NL80211_ATTR_BSS)
      .U32(NL80211_BSS_STATUS, 0)
      .Bytes(NL80211_BSS_INFORMATION_ELEMENTS, std::string("\x00\x09x", 3))
      .EndNest()
      .End();
  EXPECT_FALSE(ParseWifiBss(bad.bytes(), bss));
}

TEST(WifiParse, Stations) {
  NlBuilder b;
  b.Begin(kFamily, Genl(NL80211_CMD_NEW_STATION))
      .U32(NL80211_ATTR_IFINDEX, 3)
      .Bytes(NL80211_ATTR_MAC, std::string("\xaa\xbb\xcc\xdd\xee\xff", 6))
      .Nest(NL80211_ATTR_STA_INFO)
      .U32(NL80211_STA_INFO_INACTIVE_TIME, 400)
      .U32(NL80211_STA_INFO_RX_BYTES, 100)
      .U32(NL80211_STA_INFO_TX_BYTES, 200)
      .U64(NL80211_STA_INFO_TX_BYTES64, 5000000000ULL)
      .U8(NL80211_STA_INFO_SIGNAL, static_cast<uint8_t>(-52))
      .Nest(NL80211_STA_INFO_TX_BITRATE)
      .U16(NL80211_RATE_INFO_BITRATE, 1640)
      .U32(NL80211_RATE_INFO_BITRATE32, 1640)
      .EndNest()
      .Nest(NL80211_STA_INFO_RX_BITRATE)
      .U16(NL80211_RATE_INFO_BITRATE, 1280)
      .EndNest()
      .U32(NL80211_STA_INFO_RX_PACKETS, 7)
      .U32(NL80211_STA_INFO_TX_PACKETS, 8)
      .U32(NL80211_STA_INFO_TX_RETRIES, 10)
      .U32(NL80211_STA_INFO_TX_FAILED, 2)
      .U32(NL80211_STA_INFO_BEACON_LOSS, 1)
      .U32(NL80211_STA_INFO_CONNECTED_TIME, 30)
      .EndNest()
      .End()
      .Done();
  std::vector<WifiStation> st;
  ASSERT_EQ(ParseWifiStations(b.bytes(), st), WifiStationsResult::kOk);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].connected_ns, 30000000000);
  EXPECT_EQ(st[0].inactive_ns, 400000000);
  EXPECT_EQ(st[0].rx_bytes, 100);
  EXPECT_EQ(st[0].tx_bytes, 5000000000);
  EXPECT_EQ(st[0].signal, -52);
  EXPECT_EQ(st[0].tx_bitrate, 164000000);
  EXPECT_EQ(st[0].rx_bitrate, 128000000);
  EXPECT_EQ(st[0].beacon_loss, 1);

  NlBuilder no_info;
  no_info.Begin(kFamily, Genl(NL80211_CMD_NEW_STATION)).U32(NL80211_ATTR_IFINDEX, 3).End().Done();
  EXPECT_EQ(ParseWifiStations(no_info.bytes(), st), WifiStationsResult::kNotExist);
  EXPECT_TRUE(st.empty());
}

TEST(WifiJson, Base64AndDurations) {
  std::vector<WifiInterface> ifis;
  std::string error;
  ASSERT_TRUE(ParseWifiInterfacesJson(R"([{"name":"wlan0","type":2,"frequency":2412},{"type":10}])", ifis, error));
  ASSERT_EQ(ifis.size(), 2u);
  EXPECT_EQ(ifis[0].frequency, 2412);
  WifiBss bss;
  ASSERT_TRUE(ParseWifiBssJson(R"({"ssid":"Example","bssid":"ABEiM0RV","status":1})", bss, error));
  EXPECT_EQ(FormatMac(bss.bssid), "00:11:22:33:44:55");
  std::vector<WifiStation> st;
  ASSERT_TRUE(ParseWifiStationsJson(R"([{"hardwareaddr":"qrvM3e7/","connected":30000000000,"signal":-52}])", st, error));
  EXPECT_EQ(FormatMac(st[0].hwaddr), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(st[0].signal, -52);
  EXPECT_FALSE(ParseWifiBssJson(R"({"bssid":"not base64!"})", bss, error));
  EXPECT_FALSE(ParseWifiStationsJson(R"([{"signal":"x"}])", st, error));
}

TEST(Wifi, FixtureCollector) {
  testing::TempDir dir;
  dir.Write("interfaces.json", R"([{"name":"wlan0","frequency":2412},{"name":"wlan1","frequency":5180},{"type":10}])");
  dir.Write("wlan0/bss.json", R"({"ssid":"Example","bssid":"ABEiM0RV","status":3})");
  dir.Write("wlan0/stationinfo.json", R"([{"hardwareaddr":"AQIDBAUG","inactive":800000000,"transmitbitrate":328000000}])");
  MetricSet set;
  NewWifiCollector(dir.path())->Collect(set);
  EXPECT_EQ(Value(set, "node_wifi_interface_frequency_hertz", {{"device", "wlan1"}}), 5.18e9);
  EXPECT_EQ(testing::SampleCount(set, "node_wifi_interface_frequency_hertz"), 2u);
  EXPECT_EQ(Value(set, "node_wifi_station_info",
                  {{"bssid", "00:11:22:33:44:55"}, {"device", "wlan0"}, {"mode", "ad-hoc"}, {"ssid", "Example"}}),
            1);
  Labels st{{"device", "wlan0"}, {"mac_address", "01:02:03:04:05:06"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_wifi_station_inactive_seconds", st), 0.8);
  EXPECT_EQ(Value(set, "node_wifi_station_transmit_bits_per_second", st), 3.28e8);
  EXPECT_EQ(set.Find("node_wifi_station_beacon_loss_total")->type, MetricType::Counter);

  dir.Write("wlan1/bss.json", "{broken");
  MetricSet broken;
  EXPECT_THROW(NewWifiCollector(dir.path())->Collect(broken), std::runtime_error);
  MetricSet missing;
  EXPECT_THROW(NewWifiCollector(dir.path() + "/nope")->Collect(missing), std::runtime_error);
}

TEST(Wifi, LiveWithoutNl80211IsNoData) {
  MetricSet set;
  // No nl80211 (no WiFi driver) here, as in most servers: no data, not a failure.
  CollectResult result = RunCollect(*NewWifiCollector(""), set);
  EXPECT_NE(result.status, CollectStatus::kFailed) << result.message;
}

}  // namespace
}  // namespace node_agent
