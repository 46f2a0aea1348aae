// /proc/softirqs.
// seeds:
#include "collectors/softirqs.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto s = node_agent::ParseSoftirqs(data, skipped);
  FUZZ_CHECK(s.has_value() || skipped.empty());
}
