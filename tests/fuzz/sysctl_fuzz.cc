// A /proc/sys value, a --collector.sysctl.include value and metric name
// sanitising.
// seeds: sysctl
#include <string>
#include <vector>

#include "collectors/sysctl.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto strings = node_agent::ParseSysctlStrings(data);
  if (auto ints = node_agent::ParseSysctlInts(data)) FUZZ_CHECK(ints->size() == strings.size());
  auto spec = node_agent::ParseSysctlSpec(data, true);
  FUZZ_CHECK(spec.name.size() <= data.size());
  for (char c : node_agent::SanitizeMetricName(data)) {
    FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
  }
}
