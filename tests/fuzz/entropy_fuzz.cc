// /proc/sys/kernel/random/{entropy_avail,poolsize}.
// seeds: entropy
#include "collectors/entropy.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseKernelRandomValue(data); }
