// A ZFS dataset's objset kstat (/proc/spl/kstat/zfs/<pool>/objset-*).
// seeds: zfs
#include <string>
#include <vector>

#include "collectors/zfs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<node_agent::ZfsObjsetRow> rows;
  std::vector<std::string> skipped;
  bool header = node_agent::ParseZpoolObjset(data, rows, skipped);
  FUZZ_CHECK(header || rows.empty());
  for (const auto& r : rows) {
    FUZZ_CHECK(r.named || r.dataset.empty());
    FUZZ_CHECK(r.dataset.size() <= data.size());
    node_agent::fuzz::CheckExposesExactly(r.kstat.value);
  }
}
