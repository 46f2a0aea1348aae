#include "collectors/time.h"

#include <ctime>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "lib/log.h"

namespace node_agent {

std::vector<std::string> ParseAvailableClocksources(std::string_view content) {
  std::vector<std::string> out;
  for (auto f : Fields(content)) out.emplace_back(f);
  return out;
}

ZoneOffset LocalZone(long long unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (!localtime_r(&t, &tm)) return {"UTC", 0};
  return {tm.tm_zone ? tm.tm_zone : "", tm.tm_gmtoff};
}

namespace {

bool IsClocksourceDir(std::string_view name) {
  // procfs globs clocksource[0-9]*.
  constexpr std::string_view kPrefix = "clocksource";
  return name.size() > kPrefix.size() && name.substr(0, kPrefix.size()) == kPrefix &&
         name[kPrefix.size()] >= '0' && name[kPrefix.size()] <= '9';
}

struct Clocksource {
  std::string device;  // node_exporter labels by position among the devices
  CachedFile available;
  CachedFile current;
};

class TimeCollector : public Collector {
 public:
  explicit TimeCollector(const Paths& paths) {
    tzset();
    // Clocksource devices are registered at boot and do not come and go:
    // list them once; their two files are re-read every scrape since the
    // current one can be switched at run time.
    std::string dir = paths.Sys("devices/system/clocksource");
    size_t index = 0;
    for (const auto& name : ListDir(dir)) {
      if (!IsClocksourceDir(name)) continue;
      std::string base = Paths::Join(dir, name);
      sources_.push_back({std::to_string(index++),
                          CachedFile(Paths::Join(base, "available_clocksource"), ShortRead::kIsEnd),
                          CachedFile(Paths::Join(base, "current_clocksource"), ShortRead::kIsEnd)});
    }
  }

  void Collect(MetricSet& out) override {
    auto now = std::chrono::system_clock::now();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    out.Gauge("node_time_seconds", "System time in seconds since epoch (1970).", {}, static_cast<double>(ns) / 1e9);
    ZoneOffset zone = LocalZone(ns / 1000000000);
    out.Gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.", {{"time_zone", zone.name}},
              static_cast<double>(zone.offset_seconds));

    // Go's registry sorts samples by label values (clocksource, then device).
    std::vector<std::pair<std::string, std::string>> available, current;
    for (auto& src : sources_) {
      if (int err = src.available.Read(buf_); err != 0) Fail(src.available, err);
      for (auto& name : ParseAvailableClocksources(buf_)) available.emplace_back(std::move(name), src.device);
      if (int err = src.current.Read(buf_); err != 0) Fail(src.current, err);
      current.emplace_back(std::string(Trim(buf_)), src.device);
    }
    std::sort(available.begin(), available.end());
    std::sort(current.begin(), current.end());
    for (auto& [name, device] : available) {
      out.Gauge("node_time_clocksource_available_info",
                "Available clocksources read from '/sys/devices/system/clocksource'.",
                {{"clocksource", name}, {"device", device}}, 1);
    }
    for (auto& [name, device] : current) {
      out.Gauge("node_time_clocksource_current_info",
                "Current clocksource read from '/sys/devices/system/clocksource'.",
                {{"clocksource", name}, {"device", device}}, 1);
    }
  }

 private:
  [[noreturn]] static void Fail(const CachedFile& f, int err) {
    throw std::runtime_error(std::string("couldn't get clocksources: ") + f.path() + ": " + std::strerror(err));
  }

  std::vector<Clocksource> sources_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateTime(const Paths& paths) { return NewTimeCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("time", kEnabledByDefault, nullptr, &CreateTime);

}  // namespace

std::unique_ptr<Collector> NewTimeCollector(const Paths& paths) { return std::make_unique<TimeCollector>(paths); }

}  // namespace node_agent
