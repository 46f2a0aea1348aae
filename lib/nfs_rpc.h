// What the nfs and nfsd collectors share: the line format of
// /proc/net/rpc/nfs and /proc/net/rpc/nfsd and their NFSv2/v3 procedure
// tables (prometheus/procfs nfs/parse.go).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace node_agent {

// Parses fields [from, to) of a line as unsigned 64-bit counters into `out`;
// false when one is not a number.
bool ParseRpcCounters(const std::vector<std::string_view>& fields, size_t from, size_t to,
                      std::vector<uint64_t>& out);

// A "procN COUNT v1 .. vCOUNT" line: COUNT matches the values that follow
// and is at least `min_count`.
bool ValidRpcProcLine(const std::vector<uint64_t>& values, uint64_t min_count);

// Procedure names in the kernel's order (procfs's V2Stats and V3Stats field
// names, which are the method label values).
inline constexpr std::array<std::string_view, 18> kNfsV2Procedures = {
    "Null", "GetAttr", "SetAttr", "Root",  "Lookup", "ReadLink", "Read",  "WrCache", "Write",
    "Create", "Remove", "Rename", "Link", "SymLink", "MkDir",   "RmDir", "ReadDir", "FsStat"};
inline constexpr std::array<std::string_view, 22> kNfsV3Procedures = {
    "Null",  "GetAttr", "SetAttr", "Lookup", "Access",  "ReadLink",    "Read",   "Write",
    "Create", "MkDir",  "SymLink", "MkNod",  "Remove",  "RmDir",       "Rename", "Link",
    "ReadDir", "ReadDirPlus", "FsStat", "FsInfo", "PathConf", "Commit"};

}  // namespace node_agent
