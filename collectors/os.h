// os collector: node_os_info, node_os_version and
// node_os_support_end_timestamp_seconds from os-release under --path.rootfs
// (etc/os-release, else usr/lib/os-release), as node_exporter 1.12's
// os_release.go.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct OsReleaseVars {
  std::map<std::string, std::string, std::less<>> vars;  // KEY -> unquoted value
  std::vector<std::string> malformed;                   // lines that are not KEY=VALUE
};

// Parses an os-release(5) file the way node_exporter's env-file parser reads
// it: KEY=VALUE lines, optional "export ", values unquoted, 'single' or
// "double" quoted (backslash escapes outside single quotes), # comments.
OsReleaseVars ParseOsRelease(std::string_view content);

// The major.minor prefix of VERSION_ID as a number ("22.04" -> 22.04,
// "2023" -> 2023, "9.4.1" -> 9.4); 0 when VERSION_ID does not start with a digit.
double ParseOsVersion(std::string_view version_id);

// SUPPORT_END (YYYY-MM-DD) as Unix seconds at midnight UTC; nullopt when it
// is not a valid date.
std::optional<int64_t> ParseSupportEnd(std::string_view date);

std::unique_ptr<Collector> NewOsCollector(const Paths& paths);

}  // namespace node_agent
