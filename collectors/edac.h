// edac collector: memory controller error counters from
// /sys/devices/system/edac/mc, as node_exporter's collector/edac_linux.go
// (1.12: per-channel counters labelled with the DIMM; a channel's ue_count is
// optional).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The number in a directory entry matched by node_exporter's glob
// PREFIX[0-9]* and regexp PREFIX([0-9]*): the digits after `prefix` ("mc12" ->
// "12", "csrow3x" -> "3"); nullopt when the entry does not match the glob.
std::optional<std::string> EdacEntryNumber(std::string_view entry, std::string_view prefix);

// The channel of a csrow file matched by the glob ch*_ce_count and the
// regexp ch([0-9]+)_ce_count ("ch1_ce_count" -> "1"); nullopt otherwise.
std::optional<std::string> EdacChannelNumber(std::string_view file);

// The dimm_label label from a chN_dimm_label file's content: trimmed, '#'
// removed, "csrow" and "channel" prefixed with '_' ("mc#0csrow#1channel#0"
// -> "mc0_csrow1_channel0").
std::string EdacDimmLabel(std::string_view content);

// An error counter file's content as node_exporter's readUintFromFile reads
// it: trimmed, base 10; nullopt when not a number.
std::optional<uint64_t> ParseEdacCount(std::string_view content);

std::unique_ptr<Collector> NewEdacCollector(const Paths& paths);

}  // namespace node_agent
