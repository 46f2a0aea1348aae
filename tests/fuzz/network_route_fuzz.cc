// An rtnetlink RTM_GETROUTE dump (the network_route collector), with
// RTA_MULTIPATH's nested next hops.
// seeds:
#include <string>
#include <vector>

#include "collectors/network_route.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::RouteInfo> routes;
  std::vector<std::string> skipped;
  (void)node_agent::ParseRouteDump(data, routes, skipped);
  node_agent::MetricSet set;
  node_agent::AddRouteMetrics(routes, {{1, "lo"}}, set);
  (void)node_agent::RouteDestString(data.substr(0, 16), static_cast<uint8_t>(data.size()));
}
