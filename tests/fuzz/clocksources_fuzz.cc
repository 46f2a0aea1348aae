// /sys/devices/system/clocksource/clocksource0/available_clocksource.
// seeds:
#include "collectors/time.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& name : node_agent::ParseAvailableClocksources(data)) FUZZ_CHECK(!name.empty());
}
