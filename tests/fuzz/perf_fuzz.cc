// The perf collector's flag values and read(2) buffers.
// seeds:
#include <stdexcept>
#include <string>
#include <vector>

#include "collectors/perf.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  try {
    auto cpus = node_agent::ParsePerfCpus(data.substr(0, 64));
    FUZZ_CHECK(!cpus.empty());
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)node_agent::ParsePerfTracepoints({std::string(data)});
  } catch (const std::invalid_argument&) {
  }
  (void)node_agent::TracefsMount(data);
  (void)node_agent::ParsePerfRead(data);
  (void)node_agent::ParsePerfGroupRead(data, data.size() % 8);
}
