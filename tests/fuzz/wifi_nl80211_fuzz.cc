// nl80211 replies (the wifi collector): interface, scan and station dumps,
// with nested attributes and 802.11 information elements.
// seeds:
#include <optional>
#include <string>
#include <vector>

#include "collectors/wifi.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::WifiInterface> ifis;
  std::vector<std::string> skipped;
  (void)node_agent::ParseWifiInterfaces(data, ifis, skipped);
  std::optional<node_agent::WifiBss> bss;
  node_agent::MetricSet set;
  if (node_agent::ParseWifiBss(data, bss) && bss) node_agent::AddWifiBssMetrics("wlan0", *bss, set);
  std::vector<node_agent::WifiStation> stations;
  if (node_agent::ParseWifiStations(data, stations) != node_agent::WifiStationsResult::kOk) {
    FUZZ_CHECK(stations.empty());
  }
  for (const auto& st : stations) node_agent::AddWifiStationMetrics("wlan0", st, set);
  FUZZ_CHECK(node_agent::DecodeSsid(data).size() >= data.size());
}
