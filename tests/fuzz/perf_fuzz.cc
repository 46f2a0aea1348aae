// The perf collector's flag values and read(2) buffers.
// seeds:
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectors/perf.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  try {
    std::string_view flag = data.substr(0, 64);
    auto cpus = node_agent::ParsePerfCpus(flag);
    // A range may be empty ("5-0", as in node_exporter) but never beyond the
    // parser's bound of about a million CPUs per comma-separated part.
    FUZZ_CHECK(cpus.size() <= (std::count(flag.begin(), flag.end(), ',') + 1) * ((size_t{1} << 20) + 1));
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
