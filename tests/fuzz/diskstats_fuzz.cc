// /proc/diskstats.
// seeds: disk/proc
#include "collectors/diskstats.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto result = node_agent::ParseDiskstats(data);
  for (const auto& disk : result.disks) FUZZ_CHECK(disk.count >= 14 && disk.count <= 20);
}
