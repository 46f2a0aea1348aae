// /proc/loadavg.
// seeds: loadavg
#include "collectors/loadavg.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto load = node_agent::ParseLoadavg(data)) {
    for (double v : *load) node_agent::fuzz::CheckExposesExactly(v);
  }
}
