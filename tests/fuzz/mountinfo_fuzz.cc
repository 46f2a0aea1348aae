// /proc/1/mountinfo (filesystem collector) and its option lists.
// seeds: filesystem
#include "collectors/filesystem.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& m : node_agent::ParseMountInfo(data)) {
    (void)node_agent::HasReadOnlyOption(m.options);
    FUZZ_CHECK(m.mount_point.size() <= data.size());
  }
}
