// /proc/sys/kernel/hung_task_detect_count.
// seeds: kernel_hung
#include "collectors/kernel_hung.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto n = node_agent::ParseKernelHung(data)) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*n));
}
