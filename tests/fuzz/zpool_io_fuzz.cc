// A ZFS pool's io kstat (/proc/spl/kstat/zfs/<pool>/io).
// seeds: zfs
#include <string>
#include <vector>

#include "collectors/zfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::ZfsKstat> rows;
  std::vector<std::string> skipped;
  node_agent::ParseZpoolIo(data, rows, skipped);
  for (const auto& r : rows) {
    FUZZ_CHECK(!r.name.empty());
    FUZZ_CHECK(r.value >= 0);
    node_agent::fuzz::CheckExposesExactly(r.value);
  }
}
