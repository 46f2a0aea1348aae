// /proc/self/stat (process_* self metrics); the command name is arbitrary text.
// seeds:
#include "lib/process_self.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseProcPidStat(data); }
