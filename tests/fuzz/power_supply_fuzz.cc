// /sys/class/power_supply/<supply> attribute files and the samples made of them.
// seeds:
#include "collectors/powersupplyclass.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  PowerSupply ps;
  ps.name = "BAT0";
  // Lines "file value".
  for (auto line : Lines(data)) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    (void)SetPowerSupplyAttribute(ps, line.substr(0, sp), line.substr(sp + 1));
  }
  MetricSet out;
  AddPowerSupplyMetrics(ps, out);
  FUZZ_CHECK(out.Find("node_power_supply_info") != nullptr);
}
