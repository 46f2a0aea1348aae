// /proc/net/dev.
// seeds: net/ec2/proc
#include "collectors/netdev.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  for (const auto& dev : node_agent::ParseNetDev(data).devices) {
    FUZZ_CHECK(!dev.name.empty());
    (void)node_agent::ProcNetDevCounters(dev, false);
  }
}
