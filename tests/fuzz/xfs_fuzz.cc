// /sys/fs/xfs/<device>/stats/stats.
// seeds: xfs
#include <string>
#include <vector>

#include "collectors/xfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  node_agent::XfsStats s = node_agent::ParseXfsStats(data, skipped);
  for (const auto& group : s.values) {
    for (uint32_t v : group) node_agent::fuzz::CheckExposesExactly(static_cast<double>(v));
  }
  for (const auto& line : skipped) FUZZ_CHECK(!line.empty());
}
