// The collector interface and the registry collectors add themselves to, as
// node_exporter's collectors do with registerCollector() in init().
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lib/fs.h"
#include "lib/metrics.h"

namespace CLI {
class App;
}

namespace node_agent {

class Collector {
 public:
  virtual ~Collector() = default;
  // Adds this scrape's samples to `out`. Throwing marks the collector failed
  // for the scrape (node_scrape_collector_success 0); samples already added
  // are still served. A node without the subsystem: out.SetNoData(reason)
  // and return. One scrape at a time calls Collect on an instance.
  virtual void Collect(MetricSet& out) = 0;
};

// node_exporter's ErrNoData thrown from deep inside a collector, where
// returning to Collect with MetricSet::SetNoData is awkward: the same outcome.
class NoDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a Collect call ended: what the scrape reports and logs.
enum class CollectStatus { kOk, kNoData, kFailed };
struct CollectResult {
  CollectStatus status = CollectStatus::kOk;
  std::string message;  // the no-data reason or the error
};
// Runs collector.Collect(out), catching what it throws: kNoData for
// MetricSet::SetNoData or NoDataError, kFailed for any other exception.
CollectResult RunCollect(Collector& collector, MetricSet& out);

// Malformed input, one convention for every collector: the parser (a pure
// function of the file's content) returns what it could parse and appends
// each item it skipped (the line or field as read) to a
// std::vector<std::string>; the collector passes that list here, which logs
// each distinct item once at warn level (log::WarnOnce) and at debug level
// after. A bad line never blanks the scrape; only a file that cannot be read
// or parsed at all makes Collect throw.
void ReportSkipped(std::string_view collector, std::string_view path, const std::vector<std::string>& skipped);

struct CollectorInfo {
  std::string name;
  bool enabled_by_default = false;
  // Adds the collector's own flags (--collector.NAME.*) to the command line;
  // may be null. The enable flags are added by the agent.
  void (*add_flags)(CLI::App& app) = nullptr;
  // Creates the collector once flags are parsed. May throw std::exception
  // with a message naming the bad flag value.
  std::unique_ptr<Collector> (*create)(const Paths& paths) = nullptr;
  // The file that registered it (__FILE__): a test checks that each collector
  // file registers exactly one collector, named after the file.
  const char* source_file = "";
};

inline constexpr bool kEnabledByDefault = true;
inline constexpr bool kDisabledByDefault = false;

// Adds a collector to the registry; returns true so it can initialise a
// namespace-scope variable.
bool RegisterCollector(CollectorInfo info);

// Registers a collector at static initialisation, once per collector file:
//   NODE_AGENT_REGISTER_COLLECTOR("loadavg", kEnabledByDefault, nullptr, &CreateLoadavg);
// ADD_FLAGS may be nullptr; CREATE takes the Paths and returns the collector.
#define NODE_AGENT_REGISTER_COLLECTOR(NAME, ENABLED_BY_DEFAULT, ADD_FLAGS, CREATE)        \
  [[maybe_unused]] const bool kCollectorRegistered = ::node_agent::RegisterCollector( \
      {NAME, ENABLED_BY_DEFAULT, ADD_FLAGS, CREATE, __FILE__})
// All registered collectors, sorted by name.
const std::vector<CollectorInfo>& RegisteredCollectors();
const CollectorInfo* FindCollector(std::string_view name);

// Which collectors are enabled for this run (node_exporter's collectorState):
// the agent records every collector's state after parsing flags and before
// calling create(), because some collectors depend on others (cpu emits
// node_cpu_frequency_hertz only when cpufreq is enabled). nullopt when the
// agent has not recorded `name`.
void SetCollectorEnabled(std::string_view name, bool enabled);
std::optional<bool> CollectorEnabled(std::string_view name);

}  // namespace node_agent
