// Kernel CPU lists ("0-3,8"): /sys/devices/system/cpu/{isolated,online,offline}.
// seeds:
#include "collectors/cpu.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  // Ranges are bounded per item (<= 0xffff); keep inputs short so the
  // expansion stays cheap to check.
  if (data.size() > 256) return;
  if (auto cpus = node_agent::ParseCpuList(data)) {
    for (uint32_t c : *cpus) FUZZ_CHECK(c <= 0xffff);
  }
}
