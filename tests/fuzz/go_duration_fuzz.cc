// Go durations (--collector.filesystem.mount-timeout and similar flags).
// seeds:
#include "collectors/filesystem.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) { (void)node_agent::ParseGoDuration(data); }
