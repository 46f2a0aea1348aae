// btrfs's /sys/fs/btrfs/<uuid>/commit_stats and its single-value attributes.
// seeds: btrfs
#include <string>
#include <vector>

#include "collectors/btrfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto s = node_agent::ParseBtrfsCommitStats(data, skipped);
  node_agent::fuzz::CheckExposesExactly(static_cast<double>(s.total_commit_ms) / 1000);
  (void)node_agent::ParseBtrfsValue(data);
  (void)node_agent::BtrfsAllocationRatio(data, data.size());
}
