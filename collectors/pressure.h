// pressure collector: pressure stall information from /proc/pressure/{cpu,io,
// memory,irq} as node_pressure_*_seconds_total.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct PsiStats {
  // The "total=" microseconds of the "some" and "full" lines, when present.
  std::optional<uint64_t> some_total_us;
  std::optional<uint64_t> full_total_us;
  // "some"/"full" lines that could not be parsed. Lines with other prefixes
  // are ignored, as prometheus/procfs ignores them.
  std::vector<std::string> malformed;
};

// Parses one /proc/pressure/<resource> file:
//   some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
PsiStats ParsePsiStats(std::string_view content);

std::unique_ptr<Collector> NewPressureCollector(const Paths& paths);

}  // namespace node_agent
