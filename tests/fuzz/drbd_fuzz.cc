// /proc/drbd.
// seeds: drbd
#include <string>
#include <vector>

#include "collectors/drbd.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  std::vector<std::string> skipped;
  for (const auto& f : node_agent::ParseDrbd(data, skipped)) {
    FUZZ_CHECK(!f.device.empty());
    FUZZ_CHECK(f.key == "cs" || f.key == "ro" || f.key == "ds" || node_agent::ParseGoFloat(f.value).has_value());
    if (f.key == "ro" || f.key == "ds") FUZZ_CHECK(f.value.find('/') != std::string_view::npos);
  }
}
