// /proc/net/ip_vs_stats.
// seeds: ipvs
#include "collectors/ipvs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto s = node_agent::ParseIpvsStats(data)) {
    node_agent::fuzz::CheckExposesExactly(static_cast<double>(s->incoming_bytes));
  }
}
