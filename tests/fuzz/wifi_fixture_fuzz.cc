// node_exporter's wifi JSON fixtures (--collector.wifi.fixtures).
// seeds:
#include <string>
#include <vector>

#include "collectors/wifi.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::string error;
  std::vector<node_agent::WifiInterface> ifis;
  (void)node_agent::ParseWifiInterfacesJson(data, ifis, error);
  node_agent::WifiBss bss;
  (void)node_agent::ParseWifiBssJson(data, bss, error);
  std::vector<node_agent::WifiStation> stations;
  (void)node_agent::ParseWifiStationsJson(data, stations, error);
}
