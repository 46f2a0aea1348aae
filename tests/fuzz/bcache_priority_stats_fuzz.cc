// bcache's <cache device>/priority_stats.
// seeds: bcache
#include <string>
#include <vector>

#include "collectors/bcache.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto p = node_agent::ParseBcachePriorityStats(data, skipped);
  FUZZ_CHECK(skipped.size() <= node_agent::Lines(data).size());
  if (p.unused_percent) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*p.unused_percent));
}
