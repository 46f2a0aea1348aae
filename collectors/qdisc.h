// qdisc collector: root queueing discipline statistics from an RTM_GETQDISC
// dump, as node_exporter's collector/qdisc_linux.go with github.com/ema/qdisc
// (off by default). --collector.qdisc.fixtures reads node_exporter's JSON
// test fixture instead of the kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/device_filter.h"
#include "lib/netlink.h"

namespace node_agent {

// ema/qdisc's QdiscInfo, the fields node_exporter exports.
struct QdiscInfo {
  std::string iface;
  uint32_t parent = 0;  // 0 for a root qdisc (TC_H_ROOT is mapped to 0)
  uint32_t handle = 0;
  std::string kind;
  uint64_t bytes = 0;
  uint32_t packets = 0, drops = 0, requeues = 0, overlimits = 0, qlen = 0, backlog = 0;
};

// Parses an RTM_GETQDISC dump (concatenated netlink messages); interface
// names come from `links` ("" for an unknown index). TCA_STATS2 and the legacy
// TCA_STATS are applied in message order, the later winning, as ema/qdisc
// does. A message too short for its tcmsg or its stats structures is skipped
// and recorded in `skipped`. False when the dump itself is malformed.
bool ParseQdiscDump(std::string_view bytes, const std::vector<LinkName>& links,
                    std::vector<QdiscInfo>& out, std::vector<std::string>& skipped);

// Parses node_exporter's qdisc fixture (results.json: a JSON array of
// QdiscInfo, as Go's encoding/json reads it). False with `error` set when Go
// would fail to unmarshal it.
bool ParseQdiscFixture(std::string_view json, std::vector<QdiscInfo>& out, std::string& error);

// node_exporter's samples for the root qdiscs the filter keeps.
void AddQdiscMetrics(const std::vector<QdiscInfo>& qdiscs, const DeviceFilter& filter, MetricSet& out);

struct QdiscOptions {
  std::string fixtures;        // --collector.qdisc.fixtures
  std::string device_include;  // --collector.qdisc.device-include
  std::string device_exclude;  // --collector.qdisc.device-exclude
  std::string old_device_include;  // --collector.qdisk.device-include (deprecated, hidden)
  std::string old_device_exclude;  // --collector.qdisk.device-exclude (deprecated, hidden)
};

// Throws std::invalid_argument for conflicting or invalid flags.
std::unique_ptr<Collector> NewQdiscCollector(const Paths& paths, const QdiscOptions& options);

}  // namespace node_agent
