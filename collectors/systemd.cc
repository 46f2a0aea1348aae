#include "collectors/systemd.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "lib/dbus.h"
#include "lib/device_filter.h"
#include "lib/log.h"
#include "lib/regex.h"

namespace node_agent {

namespace {

constexpr const char* kSystemdService = "org.freedesktop.systemd1";
constexpr const char* kSystemdPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kPrivateAddress = "unix:path=/run/systemd/private";

// node_systemd_unit_state's states, in the exposition's (sorted) order.
constexpr std::string_view kUnitStatesSorted[] = {"activating", "active", "deactivating", "failed", "inactive"};

bool HasSuffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<std::vector<SystemdUnit>> ParseListUnits(DBusMessage* reply) {
  // name, description, load state, active state, sub state, followed unit,
  // object path, job id, job type, job path.
  auto rows = DBusStructArray(reply, "ssssssouso");
  if (!rows) return std::nullopt;
  std::vector<SystemdUnit> units;
  units.reserve(rows->size());
  for (auto& row : *rows) {
    units.push_back({std::move(row[0].text), std::move(row[2].text), std::move(row[3].text),
                     std::move(row[6].text)});
  }
  return units;
}

std::optional<std::vector<SystemdUnit>> ParseListUnitsMessage(std::string_view bytes) {
  DBusMessagePtr m = DBusDemarshal(bytes);
  if (!m) return std::nullopt;
  return ParseListUnits(m.get());
}

SystemdVersion ParseSystemdVersion(std::optional<std::string_view> version) {
  if (!version) return {};
  std::string_view v = *version;
  auto digit = [&](size_t i) { return i < v.size() && v[i] >= '0' && v[i] <= '9'; };
  // Leftmost match of [0-9]{3,}(\.[0-9]+)?: the first run of three digits.
  for (size_t i = 0; i + 3 <= v.size(); ++i) {
    if (!digit(i) || !digit(i + 1) || !digit(i + 2)) continue;
    size_t end = i + 3;
    while (digit(end)) ++end;
    if (end < v.size() && v[end] == '.' && digit(end + 1)) {
      end += 2;
      while (digit(end)) ++end;
    }
    auto number = ParseDouble(v.substr(i, end - i));
    if (!number) return {};
    return {*number, std::string(v)};
  }
  return {};
}

std::string SystemdVirtualizationLabel(std::optional<std::string_view> virtualization) {
  if (!virtualization) return "unknown";
  std::string_view v = *virtualization;
  // node_exporter trims the quotes of the value's printed form, and any
  // quotes of the value with them.
  while (!v.empty() && v.front() == '"') v.remove_prefix(1);
  while (!v.empty() && v.back() == '"') v.remove_suffix(1);
  return v.empty() ? "none" : std::string(v);
}

std::map<std::string, double> SummarizeSystemdUnits(const std::vector<SystemdUnit>& units) {
  std::map<std::string, double> summary;
  for (std::string_view state : kUnitStatesSorted) summary[std::string(state)] = 0;
  for (const auto& u : units) summary[u.active_state] += 1;
  return summary;
}

struct SystemdUnitFilter::Impl {
  Regex include;
  Regex exclude;
};

SystemdUnitFilter::SystemdUnitFilter(std::string_view include, std::string_view exclude)
    : impl_(std::make_shared<Impl>(
          Impl{Regex::ForFlag("collector.systemd.unit-include", include, Regex::Anchor::kFull),
               Regex::ForFlag("collector.systemd.unit-exclude", exclude, Regex::Anchor::kFull)})) {}

bool SystemdUnitFilter::Included(const SystemdUnit& unit) const {
  return impl_->include.Matches(unit.name) && !impl_->exclude.Matches(unit.name) && unit.load_state == "loaded";
}

namespace {

// Indexes into the second batch's replies of the properties one unit needs;
// -1 for those not asked.
struct UnitCalls {
  int type = -1;
  int restarts = -1;
  int tasks_current = -1;
  int tasks_max = -1;
  int start_time = -1;
  int last_trigger = -1;
  int accepted = -1;
  int connections = -1;
  int refused = -1;
};

class SystemdCollector : public Collector {
 public:
  SystemdCollector(const SystemdOptions& options, SystemdUnitFilter filter)
      : options_(options),
        filter_(std::move(filter)),
        client_(!options.address.empty() ? options.address
                : options.private_socket  ? std::string(kPrivateAddress)
                                          : SystemBusAddress(),
                options.private_socket ? DBusClient::Kind::kDirect : DBusClient::Kind::kBus) {}

  void Collect(MetricSet& out) override {
    auto deadline = DBusClient::Clock::now() + options_.timeout;
    std::vector<DBusMessagePtr> calls;
    calls.push_back(ManagerGet("Version"));
    calls.push_back(ManagerGet("Virtualization"));
    calls.push_back(ManagerGet("SystemState"));
    calls.push_back(DBusMethodCall(kSystemdService, kSystemdPath, kManager, "ListUnits"));
    auto manager = client_.CallAll(std::move(calls), deadline);

    auto version_text = DBusVariantString(manager[0].get());
    SystemdVersion version = ParseSystemdVersion(version_text);
    if (!version_text) log::Debug("Unable to get systemd version property, defaulting to 0");
    auto virt = DBusVariantString(manager[1].get());
    auto units = ParseListUnits(manager[3].get());
    if (!units) {
      EmitManager(out, version, virt);
      throw std::runtime_error("couldn't get units: " + ReplyProblem(manager[3].get()));
    }
    std::sort(units->begin(), units->end(),
              [](const SystemdUnit& a, const SystemdUnit& b) { return a.name < b.name; });
    std::vector<const SystemdUnit*> selected;
    for (const auto& u : *units) {
      if (filter_.Included(u)) selected.push_back(&u);
    }

    bool new_enough = version.number >= kMinSystemdVersionSystemState;
    std::vector<UnitCalls> index(selected.size());
    calls.clear();
    for (size_t i = 0; i < selected.size(); ++i) index[i] = AddUnitCalls(*selected[i], new_enough, calls);
    std::vector<DBusMessagePtr> props;
    if (!calls.empty()) props = client_.CallAll(std::move(calls), deadline);

    EmitManager(out, version, virt);
    for (const auto& [state, count] : SummarizeSystemdUnits(*units)) {
      out.Gauge("node_systemd_units", "Summary of systemd unit states", {{"state", state}}, count);
    }
    for (size_t i = 0; i < selected.size(); ++i) EmitUnit(out, *selected[i], index[i], props);

    if (new_enough) {
      auto state = DBusVariantString(manager[2].get());
      if (!state) throw std::runtime_error("couldn't get system state: " + ReplyProblem(manager[2].get()));
      out.Gauge("node_systemd_system_running", "Whether the system is operational (see 'systemctl is-system-running')",
                {}, *state == "running" ? 1 : 0);
    }
  }

 private:
  static DBusMessagePtr ManagerGet(const char* property) {
    return DBusPropertyGet(kSystemdService, kSystemdPath, kManager, property);
  }

  static std::string ReplyProblem(DBusMessage* reply) {
    std::string err = DBusErrorText(reply);
    return err.empty() ? "unexpected reply type" : err;
  }

  static void EmitManager(MetricSet& out, const SystemdVersion& version, const std::optional<std::string>& virt) {
    out.Gauge("node_systemd_version", "Detected systemd version", {{"version", version.label}}, version.number);
    out.Gauge("node_systemd_virtualization_info", "Detected virtualization technology",
              {{"virtualization_type", SystemdVirtualizationLabel(virt)}}, 1);
  }

  UnitCalls AddUnitCalls(const SystemdUnit& u, bool new_enough, std::vector<DBusMessagePtr>& calls) const {
    UnitCalls c;
    auto get = [&](const char* iface, const char* property) {
      calls.push_back(DBusPropertyGet(kSystemdService, u.path, iface, property));
      return static_cast<int>(calls.size() - 1);
    };
    constexpr const char* kService = "org.freedesktop.systemd1.Service";
    constexpr const char* kSocket = "org.freedesktop.systemd1.Socket";
    if (HasSuffix(u.name, ".service")) {
      c.type = get(kService, "Type");
      if (options_.restarts_metrics) c.restarts = get(kService, "NRestarts");
      if (options_.task_metrics) {
        c.tasks_current = get(kService, "TasksCurrent");
        c.tasks_max = get(kService, "TasksMax");
      }
    } else if (HasSuffix(u.name, ".mount")) {
      c.type = get("org.freedesktop.systemd1.Mount", "Type");
    } else if (HasSuffix(u.name, ".timer") && new_enough) {
      c.last_trigger = get("org.freedesktop.systemd1.Timer", "LastTriggerUSec");
    } else if (HasSuffix(u.name, ".socket")) {
      c.accepted = get(kSocket, "NAccepted");
      c.connections = get(kSocket, "NConnections");
      c.refused = get(kSocket, "NRefused");
    }
    if (options_.start_time_metrics && u.active_state == "active") {
      c.start_time = get("org.freedesktop.systemd1.Unit", "ActiveEnterTimestamp");
    }
    return c;
  }

  void EmitUnit(MetricSet& out, const SystemdUnit& u, const UnitCalls& c,
                const std::vector<DBusMessagePtr>& props) const {
    auto reply = [&](int i) { return i < 0 ? nullptr : props[static_cast<size_t>(i)].get(); };
    auto u32 = [&](int i) { return i < 0 ? std::nullopt : DBusVariantUint32(reply(i)); };
    auto u64 = [&](int i) { return i < 0 ? std::nullopt : DBusVariantUint64(reply(i)); };
    // node_exporter leaves the label empty when the type cannot be read.
    std::string type;
    if (c.type >= 0) {
      auto t = DBusVariantString(reply(c.type));
      if (t) type = *t;
      else log::Debug("couldn't get unit type", {{"unit", u.name}, {"err", ReplyProblem(reply(c.type))}});
    }
    for (std::string_view state : kUnitStatesSorted) {
      out.Gauge("node_systemd_unit_state", "Systemd unit",
                {{"name", u.name}, {"state", std::string(state)}, {"type", type}}, state == u.active_state ? 1 : 0);
    }
    if (auto v = u32(c.restarts)) {
      out.Counter("node_systemd_service_restart_total", "Service unit count of Restart triggers", {{"name", u.name}},
                  *v);
    }
    if (options_.start_time_metrics) {
      // Inactive units report 0 without a call, as node_exporter does.
      std::optional<uint64_t> usec = c.start_time >= 0 ? u64(c.start_time) : std::optional<uint64_t>(0);
      if (usec) {
        out.Gauge("node_systemd_unit_start_time_seconds", "Start time of the unit since unix epoch in seconds.",
                  {{"name", u.name}}, static_cast<double>(*usec) / 1e6);
      }
    }
    // systemd reports "no limit" / "not counted" as the largest uint64.
    constexpr uint64_t kUnset = std::numeric_limits<uint64_t>::max();
    if (auto v = u64(c.tasks_current); v && *v != kUnset) {
      out.Gauge("node_systemd_unit_tasks_current", "Current number of tasks per Systemd unit", {{"name", u.name}},
                static_cast<double>(*v));
    }
    if (auto v = u64(c.tasks_max); v && *v != kUnset) {
      out.Gauge("node_systemd_unit_tasks_max", "Maximum number of tasks per Systemd unit", {{"name", u.name}},
                static_cast<double>(*v));
    }
    if (auto v = u64(c.last_trigger)) {
      out.Gauge("node_systemd_timer_last_trigger_seconds", "Seconds since epoch of last trigger.", {{"name", u.name}},
                static_cast<double>(*v) / 1e6);
    }
    EmitSocket(out, u, u32(c.accepted), u32(c.connections), u32(c.refused));
  }

  // node_exporter stops at the first socket property it cannot read.
  static void EmitSocket(MetricSet& out, const SystemdUnit& u, std::optional<uint32_t> accepted,
                         std::optional<uint32_t> connections, std::optional<uint32_t> refused) {
    if (!accepted) return;
    out.Counter("node_systemd_socket_accepted_connections_total", "Total number of accepted socket connections",
                {{"name", u.name}}, *accepted);
    if (!connections) return;
    out.Gauge("node_systemd_socket_current_connections", "Current number of socket connections", {{"name", u.name}},
              *connections);
    if (!refused) return;
    out.Gauge("node_systemd_socket_refused_connections_total", "Total number of refused socket connections",
              {{"name", u.name}}, *refused);
  }

  SystemdOptions options_;
  SystemdUnitFilter filter_;
  DBusClient client_;
};

struct SystemdFlags {
  SystemdOptions options;
};
SystemdFlags& Flags() {
  static SystemdFlags flags;
  return flags;
}

void AddSystemdFlags(CLI::App& app) {
  SystemdOptions& o = Flags().options;
  const char* group = "systemd collector";
  AddFlagRecordingGiven(app, "--collector.systemd.unit-include", o.unit_include, o.unit_include_set,
                        "Regexp of systemd units to include. Units must both match include and not match exclude "
                        "to be included.")
      ->default_str(std::string(kSystemdDefaultUnitInclude))
      ->group(group);
  AddFlagRecordingGiven(app, "--collector.systemd.unit-exclude", o.unit_exclude, o.unit_exclude_set,
                        "Regexp of systemd units to exclude. Units must both match include and not match exclude "
                        "to be included.")
      ->default_str(std::string(kSystemdDefaultUnitExclude))
      ->group(group);
  // Hidden, deprecated, as in node_exporter.
  app.add_option("--collector.systemd.unit-whitelist", o.unit_whitelist,
                 "DEPRECATED: Use --collector.systemd.unit-include")
      ->group("");
  app.add_option("--collector.systemd.unit-blacklist", o.unit_blacklist,
                 "DEPRECATED: Use collector.systemd.unit-exclude")
      ->group("");
  app.add_flag("--collector.systemd.private,!--no-collector.systemd.private", o.private_socket,
               "Establish a private, direct connection to systemd without dbus (Strongly discouraged since it "
               "requires root. For testing purposes only).")
      ->group(group);
  app.add_flag("--collector.systemd.enable-task-metrics,!--no-collector.systemd.enable-task-metrics", o.task_metrics,
               "Enables service unit tasks metrics unit_tasks_current and unit_tasks_max")
      ->group(group);
  app.add_flag("--collector.systemd.enable-restarts-metrics,!--no-collector.systemd.enable-restarts-metrics",
               o.restarts_metrics, "Enables service unit metric service_restart_total")
      ->group(group);
  app.add_flag("--collector.systemd.enable-start-time-metrics,!--no-collector.systemd.enable-start-time-metrics",
               o.start_time_metrics, "Enables service unit metric unit_start_time_seconds")
      ->group(group);
}

std::unique_ptr<Collector> CreateSystemd(const Paths&) { return NewSystemdCollector(Flags().options); }

NODE_AGENT_REGISTER_COLLECTOR("systemd", kDisabledByDefault, &AddSystemdFlags, &CreateSystemd);

// node_exporter's rules for a deprecated alias: it replaces the new flag
// unless that was given too, which is an error.
void ResolveAlias(const std::string& old_value, const char* old_name, bool new_set, const char* new_name,
                  std::string& value) {
  if (old_value.empty()) return;
  if (new_set) {
    throw std::invalid_argument(
        fmt::format("--collector.systemd.{} and --collector.systemd.{} are mutually exclusive", old_name, new_name));
  }
  log::Warn(fmt::format("--collector.systemd.{} is DEPRECATED and will be removed in 2.0.0, use "
                        "--collector.systemd.{}",
                        old_name, new_name));
  value = old_value;
}

}  // namespace

std::unique_ptr<Collector> NewSystemdCollector(const SystemdOptions& options) {
  SystemdOptions o = options;
  ResolveAlias(o.unit_blacklist, "unit-blacklist", o.unit_exclude_set, "unit-exclude", o.unit_exclude);
  ResolveAlias(o.unit_whitelist, "unit-whitelist", o.unit_include_set, "unit-include", o.unit_include);
  log::Info("Parsed flag --collector.systemd.unit-include", {{"flag", o.unit_include}});
  log::Info("Parsed flag --collector.systemd.unit-exclude", {{"flag", o.unit_exclude}});
  SystemdUnitFilter filter(o.unit_include, o.unit_exclude);
  return std::make_unique<SystemdCollector>(o, std::move(filter));
}

}  // namespace node_agent
