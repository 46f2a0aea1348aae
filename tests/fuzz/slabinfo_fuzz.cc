// /proc/slabinfo.
#include "collectors/slabinfo.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& slab : node_agent::ParseSlabinfo(data, skipped)) FUZZ_CHECK(!slab.name.empty());
}
