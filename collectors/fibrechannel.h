// fibrechannel collector: Fibre Channel host ports from /sys/class/fc_host,
// as node_exporter's collector/fibrechannel_linux.go with prometheus/procfs
// sysfs/class_fibrechannel.go.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// The host attributes of node_fibrechannel_info, in its label order (after
// fc_host).
inline constexpr std::array<std::string_view, 10> kFcHostAttrs = {
    "speed",         "port_state",        "port_type",        "port_id",     "port_name", "fabric_name",
    "symbolic_name", "supported_classes", "supported_speeds", "dev_loss_tmo"};

// The statistics/ files node_exporter exports.
inline constexpr std::array<std::string_view, 14> kFcCounterFiles = {
    "dumped_frames",        "error_frames",      "invalid_crc_count",  "rx_frames",
    "rx_words",             "tx_frames",         "tx_words",           "seconds_since_last_reset",
    "invalid_tx_word_count", "link_failure_count", "loss_of_sync_count", "loss_of_signal_count",
    "nos_count",            "fcp_packet_aborts"};

// One fc_host as procfs reads it. Absent attributes are "" in the info
// series; absent counters (no file, or a value that did not parse) are left
// out.
struct FcHost {
  std::array<std::string, kFcHostAttrs.size()> attrs;
  std::array<std::optional<uint64_t>, kFcCounterFiles.size()> counters;
};

// Stores host attribute `file` from its content (trimmed; port_id, port_name
// and fabric_name lose their "0x", as procfs drops the first two characters
// of a longer value). Returns false when `file` is not exported.
bool SetFcHostAttr(FcHost& host, std::string_view file, std::string_view content);

// Stores statistics/`file` (Go's ParseUint base 0: the kernel prints
// "0x1f"). Returns false when the value does not parse (the counter is then
// left out); files not exported are ignored and return true.
bool SetFcCounter(FcHost& host, std::string_view file, std::string_view content);

// Adds the host's series as node_exporter does: an all-ones counter is one
// the HBA firmware does not implement and is left out.
void AddFcHostMetrics(const std::string& name, const FcHost& host, MetricSet& out);

std::unique_ptr<Collector> NewFibrechannelCollector(const Paths& paths);

}  // namespace node_agent
