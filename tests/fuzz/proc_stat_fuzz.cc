// /proc/stat (stat collector).
// seeds: stat cpu/proc
#include "collectors/stat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseProcStat(data); }
