// /proc/net/stat/nf_conntrack.
// seeds: conntrack
#include <string>
#include <vector>

#include "collectors/conntrack.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto s = node_agent::ParseConntrackStat(data, skipped);
  // Every sum survives exposition as a double.
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(s.found));
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(s.search_restart));
}
