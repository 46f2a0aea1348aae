// /proc/zoneinfo.
#include "collectors/zoneinfo.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto blocks = node_agent::ParseZoneinfo(data, skipped);
  FUZZ_CHECK(!blocks.empty());
  node_agent::ParseIntBase0(data);
}
