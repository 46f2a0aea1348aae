// /sys/class/infiniband/DEV/ports/N/{state,phys_state}.
// seeds:
#include "collectors/infiniband.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseIbState(data); }
