// wifi collector: WiFi interfaces, their BSS and stations over nl80211
// (generic netlink), as node_exporter's collector/wifi_linux.go with
// github.com/mdlayher/wifi (off by default). --collector.wifi.fixtures reads
// node_exporter's JSON test fixtures instead of the kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// The parts of mdlayher/wifi's Interface, BSS and StationInfo that
// node_exporter exports. Hardware addresses are raw bytes.
struct WifiInterface {
  int64_t index = 0;
  std::string name;
  std::string hwaddr;
  int64_t type = 0;
  int64_t frequency = 0;  // MHz
};
struct WifiBss {
  std::string ssid;
  std::string bssid;
  int64_t status = 0;  // mdlayher/wifi's BSSStatus numbering
};
struct WifiStation {
  std::string hwaddr;
  int64_t connected_ns = 0, inactive_ns = 0;
  int64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
  int64_t rx_bitrate = 0, tx_bitrate = 0;  // bits per second
  int64_t signal = 0;                      // dBm
  int64_t tx_retries = 0, tx_failed = 0, beacon_loss = 0;
};

// nl80211 replies (concatenated netlink messages with a genlmsghdr).
// NL80211_CMD_NEW_INTERFACE messages of an interface dump; a message whose
// attributes are malformed is skipped and recorded in `skipped`.
bool ParseWifiInterfaces(std::string_view bytes, std::vector<WifiInterface>& out,
                         std::vector<std::string>& skipped);
// A scan dump: the first BSS carrying NL80211_BSS_STATUS (the one the
// interface is associated with); nullopt when none does. A BSS whose
// information elements are malformed is an error (false), as in mdlayher/wifi.
bool ParseWifiBss(std::string_view bytes, std::optional<WifiBss>& out);
enum class WifiStationsResult { kOk, kNotExist, kMalformed };
// A station dump. kNotExist when a message carries no NL80211_ATTR_STA_INFO
// (mdlayher/wifi then returns os.ErrNotExist for the whole dump).
WifiStationsResult ParseWifiStations(std::string_view bytes, std::vector<WifiStation>& out);

// The JSON fixtures of node_exporter's mock wifiStater (interfaces.json,
// <iface>/bss.json, <iface>/stationinfo.json), read as Go's encoding/json
// reads them into mdlayher/wifi's types. False with `error` when Go fails.
bool ParseWifiInterfacesJson(std::string_view json, std::vector<WifiInterface>& out, std::string& error);
bool ParseWifiBssJson(std::string_view json, WifiBss& out, std::string& error);
bool ParseWifiStationsJson(std::string_view json, std::vector<WifiStation>& out, std::string& error);

// Go's net.HardwareAddr.String(): lower-case hex bytes joined by ':'.
std::string FormatMac(std::string_view raw);
// Go's decodeSSID: each byte of an invalid UTF-8 sequence becomes U+FFFD.
std::string DecodeSsid(std::string_view raw);

void AddWifiInterfaceMetrics(const WifiInterface& ifi, MetricSet& out);
void AddWifiBssMetrics(const std::string& device, const WifiBss& bss, MetricSet& out);
void AddWifiStationMetrics(const std::string& device, const WifiStation& st, MetricSet& out);

std::unique_ptr<Collector> NewWifiCollector(const std::string& fixtures);

}  // namespace node_agent
