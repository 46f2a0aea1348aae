// /sys/class/powercap zone names: index and name, and the metric name made of it.
// seeds:
#include <map>

#include "collectors/rapl.h"
#include "lib/go_compat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  std::map<std::string, int64_t> counts;
  for (auto line : Lines(data)) {
    auto [index, name] = RaplIndexAndName(counts, GoTrimSpace(line));
    FUZZ_CHECK(name.size() <= line.size());
    std::string metric = SanitizeMetricName(name);
    for (char c : metric) {
      FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
    }
  }
}
