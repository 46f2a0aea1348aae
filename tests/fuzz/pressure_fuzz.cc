// /proc/pressure/{cpu,io,memory,irq}.
// seeds: pressure
#include "collectors/pressure.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParsePsiStats(data); }
