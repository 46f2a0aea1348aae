// /sys/class/watchdog/<device> attribute files and the samples made of them.
// seeds:
#include "collectors/watchdog.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  Watchdog wd;
  wd.name = "watchdog0";
  for (std::string_view file : kWatchdogFiles) (void)SetWatchdogAttribute(wd, file, data);
  MetricSet out;
  AddWatchdogMetrics(wd, out);
  FUZZ_CHECK(out.Find("node_watchdog_info") != nullptr);
}
