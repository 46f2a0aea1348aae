// ethtool statistics names: a GSTRINGS buffer from the driver, then the
// sanitizing and renaming into metric names.
// seeds: ethtool/ethtool
#include "collectors/ethtool.h"
#include "lib/regex.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (data.empty()) return;
  // First byte: the count the kernel claims (may exceed the buffer).
  uint32_t count = static_cast<uint8_t>(data[0]);
  auto names = DecodeStatNames(data.substr(1), count);
  FUZZ_CHECK(names.size() <= count);
  for (const auto& name : names) {
    FUZZ_CHECK(name.size() <= kEthGstringLen);
    (void)EthtoolMetricName(SanitizeEthtoolName(name));
  }
  static const Regex include = Regex::ForFlag("collector.ethtool.metrics-include", ".*");
  (void)PlanEthtoolStats(names, include, "eth0");
}
