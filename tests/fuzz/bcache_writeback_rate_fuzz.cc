// bcache's <backing device>/writeback_rate_debug.
// seeds: bcache
#include <string>
#include <vector>

#include "collectors/bcache.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto r = node_agent::ParseBcacheWritebackRateDebug(data, skipped);
  FUZZ_CHECK(skipped.size() <= node_agent::Lines(data).size());
  if (r.change) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*r.change));
}
