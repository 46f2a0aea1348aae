// Reading and number parsing as prometheus/procfs does for sysfs values, where
// node_exporter's output depends on its exact rules (the storage collectors:
// btrfs, bcache, bcachefs, fibrechannel, tapestats, dmmultipath).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/go_compat.h"

namespace node_agent {

// SysReadFile (procfs' util.SysReadFile) is lib/go_compat.h's.

// procfs's util.ReadUintFromFile on content already read: surrounding white
// space removed, then a plain decimal uint64. nullopt otherwise.
std::optional<uint64_t> ParseSysfsDecimal(std::string_view content);

// Go's strconv.ParseUint(s, 0, 64): decimal, or 0x/0o/0b prefixes, a leading
// 0 for octal, and underscores between digits; no sign, no spaces. nullopt
// on a syntax or range error.
std::optional<uint64_t> ParseGoUintBase0(std::string_view s);

// Go's uint64(f) for a float64 as amd64 computes it: truncation toward zero;
// a negative value wraps as int64 would; NaN and values beyond the range give
// 1<<63. Defined for every input (the C++ cast is not).
uint64_t GoFloatToUint64(double f);

}  // namespace node_agent
