// bcachefs's /sys/fs/bcachefs/<uuid>/btree_write_stats.
// seeds: bcachefs
#include <string>
#include <vector>

#include "collectors/bcachefs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& [type, w] : node_agent::ParseBcachefsBtreeWriteStats(data, skipped)) {
    FUZZ_CHECK(type.size() <= data.size());
    node_agent::fuzz::CheckExposesExactly(static_cast<double>(w.size_bytes));
  }
}
