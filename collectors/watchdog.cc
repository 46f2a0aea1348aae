#include "collectors/watchdog.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/go_compat.h"
#include "lib/log.h"

namespace node_agent {

namespace {

struct NumericAttr {
  std::string_view file;
  std::optional<int64_t> Watchdog::*field;
  std::string_view metric;
  std::string_view help;
};
#define NA_WD(f, m) \
  NumericAttr { #f, &Watchdog::f, "node_watchdog_" m, "Value of /sys/class/watchdog/<watchdog>/" #f }
constexpr NumericAttr kNumeric[] = {
    NA_WD(bootstatus, "bootstatus"),      NA_WD(fw_version, "fw_version"),
    NA_WD(nowayout, "nowayout"),          NA_WD(timeleft, "timeleft_seconds"),
    NA_WD(timeout, "timeout_seconds"),    NA_WD(pretimeout, "pretimeout_seconds"),
    NA_WD(access_cs0, "access_cs0"),
};
#undef NA_WD

struct StringAttr {
  std::string_view file;
  std::optional<std::string> Watchdog::*field;
};
constexpr StringAttr kStrings[] = {
    {"options", &Watchdog::options}, {"identity", &Watchdog::identity}, {"state", &Watchdog::state},
    {"status", &Watchdog::status},   {"pretimeout_governor", &Watchdog::pretimeout_governor},
};

}  // namespace

bool SetWatchdogAttribute(Watchdog& wd, std::string_view file, std::string_view value) {
  for (const NumericAttr& a : kNumeric) {
    if (a.file != file) continue;
    wd.*a.field = ParseGoInt(value, 0, 64);
    return (wd.*a.field).has_value();
  }
  for (const StringAttr& a : kStrings) {
    if (a.file != file) continue;
    wd.*a.field = std::string(value);
    return true;
  }
  return false;
}

void AddWatchdogMetrics(const Watchdog& wd, MetricSet& out) {
  for (const NumericAttr& a : kNumeric) {
    if (const auto& v = wd.*a.field) out.Gauge(a.metric, a.help, {{"name", wd.name}}, static_cast<double>(*v));
  }
  auto str = [](const std::optional<std::string>& s) { return s ? *s : std::string(); };
  out.Gauge("node_watchdog_info", "Info of /sys/class/watchdog/<watchdog>",
            {{"identity", str(wd.identity)},
             {"name", wd.name},
             {"options", str(wd.options)},
             {"pretimeout_governor", str(wd.pretimeout_governor)},
             {"state", str(wd.state)},
             {"status", str(wd.status)}},
            1);
}

namespace {

// The errors node_exporter reports as "no data" rather than a failure.
bool NoDataErrno(int err) { return err == ENOENT || err == EACCES || err == EPERM; }

class WatchdogCollector : public Collector {
 public:
  explicit WatchdogCollector(const Paths& paths)
      : dir_(paths.Sys("class/watchdog")), lister_(dir_, IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    std::vector<DirEntry> entries;
    if (int err = lister_.List(entries); err != 0) {
      if (NoDataErrno(err)) return out.SetNoData("no watchdog devices: " + dir_);
      throw std::runtime_error(fmt::format("failed to list watchdog devices at {}: {}", dir_, std::strerror(err)));
    }
    // procfs reads every device before node_exporter reports any.
    std::vector<Watchdog> devices;
    for (const DirEntry& e : entries) devices.push_back(Read(e.name));
    for (const Watchdog& wd : devices) AddWatchdogMetrics(wd, out);
  }

 private:
  Watchdog Read(const std::string& name) {
    Watchdog wd;
    wd.name = name;
    std::string value;
    for (std::string_view file : kWatchdogFiles) {
      std::string path = fmt::format("{}/{}/{}", dir_, name, file);
      if (int err = SysReadFile(path, value); err != 0) {
        if (err == ENOENT) continue;
        if (NoDataErrno(err)) throw NoDataError("could not read " + path);
        throw std::runtime_error(fmt::format("failed to read file {}: {}", path, std::strerror(err)));
      }
      if (!SetWatchdogAttribute(wd, file, value)) {
        throw std::runtime_error(fmt::format("failed to parse {}: \"{}\"", path, value));
      }
    }
    return wd;
  }

  std::string dir_;
  DirLister lister_;
};

std::unique_ptr<Collector> CreateWatchdog(const Paths& paths) { return NewWatchdogCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("watchdog", kEnabledByDefault, nullptr, &CreateWatchdog);

}  // namespace

std::unique_ptr<Collector> NewWatchdogCollector(const Paths& paths) {
  return std::make_unique<WatchdogCollector>(paths);
}

}  // namespace node_agent
