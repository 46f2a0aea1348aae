// /proc/self/mountstats: device lines, NFS statistics blocks, transports and
// per-operation lines.
// seeds: mountstats
#include <string>
#include <vector>

#include "collectors/mountstats.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto mounts = node_agent::ParseMountStats(data, skipped);
  size_t last_index = 0;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const auto& m = mounts[i];
    // Device lines are numbered in file order, skipped ones included.
    FUZZ_CHECK(i == 0 || m.index > last_index);
    last_index = m.index;
    FUZZ_CHECK(!m.device.empty() && !m.mount_point.empty() && !m.fstype.empty());
    if (!m.nfs) continue;
    FUZZ_CHECK(m.fstype == "nfs" || m.fstype == "nfs4");
    node_agent::fuzz::CheckExposesExactly(m.nfs->age_seconds);
    for (const auto& t : m.nfs->transports) {
      FUZZ_CHECK(t.protocol == "tcp" || t.protocol == "udp" || t.protocol == "rdma");
      node_agent::fuzz::CheckExposesExactly(static_cast<double>(t.idle_time_seconds % 9007199254740992ULL));
    }
    for (const auto& op : m.nfs->operations) {
      node_agent::fuzz::CheckExposesExactly(static_cast<double>(op.queue_milliseconds % 9007199254740992ULL) / 1000.0);
    }
  }
  for (const auto& line : skipped) FUZZ_CHECK(!line.empty());
}
