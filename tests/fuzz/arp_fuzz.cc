// /proc/net/arp.
// seeds: arp
#include <string>
#include <vector>

#include "collectors/arp.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& [device, count] : node_agent::ParseProcNetArp(data, skipped)) {
    FUZZ_CHECK(!device.empty());
    FUZZ_CHECK(count > 0);
  }
  if (node_agent::IsGoMac(data)) FUZZ_CHECK(data.size() >= 14);
}
