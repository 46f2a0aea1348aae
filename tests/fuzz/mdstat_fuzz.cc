// /proc/mdstat and the md sysfs values (raid_disks, sync_completed).
// seeds: mdadm
#include <string>
#include <vector>

#include "collectors/mdadm.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& md : node_agent::ParseMdStat(data, skipped)) {
    FUZZ_CHECK(!md.name.empty() && !md.activity_state.empty());
    FUZZ_CHECK(md.disks_failed >= 0 && md.disks_spare >= 0 && md.disks_down >= 0);
  }
  (void)node_agent::ParseMdSyncCompleted(data);
  if (auto n = node_agent::ParseMdRaidDisks(data)) node_agent::fuzz::CheckExposesExactly(static_cast<double>(*n));
}
