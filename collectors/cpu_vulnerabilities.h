// cpu_vulnerabilities collector: node_cpu_vulnerabilities_info, one series per
// file of /sys/devices/system/cpu/vulnerabilities.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

struct CpuVulnerability {
  std::string state;       // "not affected", "vulnerable", "mitigation" or "unknown"
  std::string mitigation;  // the words after the state, or the whole text when unrecognised
};

// Parses one vulnerability file as procfs does: the state is recognised by a
// case-insensitive prefix of the trimmed text; for all but "not affected" the
// mitigation is the text's words after the first, joined by single spaces.
// Text that starts with none of the states is "unknown" with the text as the
// mitigation. Never fails.
CpuVulnerability ParseCpuVulnerability(std::string_view content);

std::unique_ptr<Collector> NewCpuVulnerabilitiesCollector(const Paths& paths);

}  // namespace node_agent
