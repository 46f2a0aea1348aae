// systemd collector: unit states and the manager's state, version and
// virtualization from systemd's D-Bus API (org.freedesktop.systemd1), as
// node_exporter's systemd collector (disabled by default).
//
// Per scrape: one batch of manager calls (Version, Virtualization,
// SystemState, ListUnits, which gives every unit's name and states), then one
// batch of property Gets for the units that pass the filter, only those the
// enabled metrics need. Each batch is sent at once and its replies awaited
// together under one deadline, on one connection kept across scrapes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

struct DBusMessage;

namespace node_agent {

inline constexpr std::string_view kSystemdDefaultUnitInclude = ".+";
inline constexpr std::string_view kSystemdDefaultUnitExclude = ".+\\.(automount|device|mount|scope|slice)";
// Below this version systemd has no SystemState property nor timers'
// LastTriggerUSec.
inline constexpr double kMinSystemdVersionSystemState = 212;

struct SystemdUnit {
  std::string name;
  std::string load_state;
  std::string active_state;
  std::string path;  // the unit's object path
};

// ListUnits' reply, a(ssssssouso); nullopt for an error reply or any other
// signature.
std::optional<std::vector<SystemdUnit>> ParseListUnits(DBusMessage* reply);
// The same from a whole message's bytes (tests, fuzzer); nullopt also when
// libdbus rejects the bytes.
std::optional<std::vector<SystemdUnit>> ParseListUnitsMessage(std::string_view bytes);

struct SystemdVersion {
  double number = 0;  // 0 when the property is missing or has no version
  std::string label;  // the whole property; "" with number 0
};
// node_exporter's reading of the manager's Version property: the first match
// of [0-9]{3,}(\.[0-9]+)? as a number ("252.22-1~deb12u1" -> 252.22).
SystemdVersion ParseSystemdVersion(std::optional<std::string_view> version);

// node_virtualization_info's label: the Virtualization property with quotes
// trimmed, "none" when empty, "unknown" when it could not be read.
std::string SystemdVirtualizationLabel(std::optional<std::string_view> virtualization);

// Units per ActiveState, over every unit ListUnits returned: the five states
// node_exporter knows always present, any other state seen added.
std::map<std::string, double> SummarizeSystemdUnits(const std::vector<SystemdUnit>& units);

// Which units get per-unit series: loaded ones whose whole name matches the
// include pattern and not the exclude pattern (node_exporter wraps both as
// ^(?:PATTERN)$).
class SystemdUnitFilter {
 public:
  // Throws std::invalid_argument naming the flag for an invalid pattern.
  SystemdUnitFilter(std::string_view include, std::string_view exclude);
  bool Included(const SystemdUnit& unit) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

struct SystemdOptions {
  std::string unit_include = std::string(kSystemdDefaultUnitInclude);
  bool unit_include_set = false;  // given on the command line
  std::string unit_exclude = std::string(kSystemdDefaultUnitExclude);
  bool unit_exclude_set = false;
  std::string unit_whitelist;  // deprecated alias of unit_include
  std::string unit_blacklist;  // deprecated alias of unit_exclude
  bool private_socket = false;  // --collector.systemd.private
  bool task_metrics = false;
  bool restarts_metrics = false;
  bool start_time_metrics = false;
  // Where systemd is reached; "" = the system bus (SystemBusAddress()), or
  // unix:path=/run/systemd/private with private_socket.
  std::string address;
  // Bound on each scrape's D-Bus calls, all batches together.
  std::chrono::milliseconds timeout{5000};
};

// Throws std::invalid_argument naming the flag on bad or conflicting flags.
std::unique_ptr<Collector> NewSystemdCollector(const SystemdOptions& options);

}  // namespace node_agent
