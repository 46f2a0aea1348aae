// udev database files (/run/udev/data/bMAJ:MIN).
// seeds: disk/udev
#include "collectors/diskstats.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& [key, value] : node_agent::ParseUdevData(data)) {
    FUZZ_CHECK(key.size() + value.size() <= data.size());
  }
}
