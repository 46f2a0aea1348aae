// A ZFS "named" kstat table (/proc/spl/kstat/zfs/arcstats and the like), the
// metric names made from its rows, and a pool's state file.
// seeds: zfs
#include <string>
#include <vector>

#include "collectors/zfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::ZfsKstat> rows;
  std::vector<std::string> skipped;
  bool header = node_agent::ParseZfsKstatNamed(data, rows, skipped);
  FUZZ_CHECK(header || rows.empty());
  for (const auto& r : rows) {
    FUZZ_CHECK(!r.name.empty());
    FUZZ_CHECK(node_agent::ZfsMetricSuffix(r.name).size() <= r.name.size());
    node_agent::fuzz::CheckExposesExactly(r.value);
  }
  FUZZ_CHECK(node_agent::ParseZpoolState(data).size() <= data.size());
}
