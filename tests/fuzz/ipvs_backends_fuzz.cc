// /proc/net/ip_vs, and the --collector.ipvs.backend-labels value.
// seeds: ipvs
#include <stdexcept>
#include <string>
#include <vector>

#include "collectors/ipvs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& b : node_agent::ParseIpvsBackends(data, skipped)) {
    FUZZ_CHECK(!b.remote_address.empty());
    FUZZ_CHECK(b.proto.empty() || b.proto == "TCP" || b.proto == "UDP" || b.proto == "FWM");
  }
  try {
    FUZZ_CHECK(node_agent::ParseIpvsLabels(data).size() <= 6);
  } catch (const std::invalid_argument&) {
  }
}
