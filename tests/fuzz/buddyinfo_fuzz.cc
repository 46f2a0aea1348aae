// /proc/buddyinfo.
#include "collectors/buddyinfo.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  auto zones = node_agent::ParseBuddyinfo(data, skipped);
  for (const auto& z : zones) {
    FUZZ_CHECK(z.sizes.size() == zones[0].sizes.size());
    for (double v : z.sizes) node_agent::fuzz::CheckExposesExactly(v);
  }
}
