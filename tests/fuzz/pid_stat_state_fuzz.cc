// /proc/PID/stat as the processes collector reads it (state, threads), and
// its limit files (pid_max, threads-max).
// seeds:
#include "collectors/processes.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto s = node_agent::ParsePidStatState(data)) FUZZ_CHECK(!s->state.empty());
  (void)node_agent::ParseProcUint(data);
}
