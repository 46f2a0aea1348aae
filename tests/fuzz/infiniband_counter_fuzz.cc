// /sys/class/infiniband/DEV/ports/N/{counters,counters_ext,hw_counters}/NAME
// (and EFA's DEV/hw_counters/NAME).
// seeds:
#include "collectors/infiniband.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  uint64_t v = 0;
  if (node_agent::ParseIbCounter(data, &v) != node_agent::IbCounterParse::kValue) FUZZ_CHECK(v == 0);
}
