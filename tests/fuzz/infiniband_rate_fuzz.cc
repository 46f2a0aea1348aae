// /sys/class/infiniband/DEV/ports/N/rate.
// seeds:
#include "collectors/infiniband.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseIbRate(data); }
