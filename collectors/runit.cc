#include "collectors/runit.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/log.h"

namespace node_agent {

std::optional<RunitStatus> ParseRunitStatus(std::string_view content) {
  if (content.empty()) return std::nullopt;
  unsigned char b[20] = {};
  std::memcpy(b, content.data(), std::min<size_t>(content.size(), sizeof b));
  // TAI64: 2^62 + 10 seconds is the Unix epoch.
  constexpr uint64_t kTaiOffset = 4611686018427387914ULL;
  uint64_t tai = 0;
  for (int i = 0; i <= 7; ++i) tai = (tai << 8) | b[i];
  RunitStatus s;
  s.timestamp = static_cast<int64_t>(tai - kTaiOffset);
  uint64_t pid = 0;
  for (int i = 15; i >= 12; --i) pid = (pid << 8) | b[i];
  s.pid = static_cast<int64_t>(pid);
  s.state = b[19];
  s.want = b[17] == 'u' ? 1 : 0;
  return s;
}

namespace {

std::string& ServiceDirFlag() {
  static std::string dir = "/etc/service";
  return dir;
}

void AddRunitFlags(CLI::App& app) {
  app.add_option("--collector.runit.servicedir", ServiceDirFlag(), "Path to runit service directory.")
      ->default_str(ServiceDirFlag())
      ->group("runit collector");
}

class RunitCollector : public Collector {
 public:
  explicit RunitCollector(std::string dir) : dir_(std::move(dir)), lister_(dir_, false) {}

  void Collect(MetricSet& out) override {
    if (int err = lister_.List(entries_); err != 0) {
      ThrowPathError("open ", dir_, err);
    }
    struct Service {
      const std::string* name;
      RunitStatus status;
      bool normally_up;
    };
    std::vector<Service> services;
    for (const auto& e : entries_) {
      if (e.type != DT_DIR && e.type != DT_LNK) continue;
      std::string supervise = dir_ + "/" + e.name + "/supervise/";
      auto status = ReadStatus(supervise + "status");
      if (!status) {
        log::Debug("Couldn't get status", {{"service", e.name}});
        continue;
      }
      // go-runit looks for supervise/down (not the service's own down file).
      struct stat st;
      services.push_back({&e.name, *status, ::stat((supervise + "down").c_str(), &st) != 0});
    }
    Emit(out, services, "node_service_state", "State of runit service.",
         [](const Service& s) { return s.status.state; });
    Emit(out, services, "node_service_desired_state", "Desired state of runit service.",
         [](const Service& s) { return s.status.want; });
    Emit(out, services, "node_service_state_last_change_timestamp_seconds",
         "Unix timestamp of the last runit service state change.",
         [](const Service& s) { return static_cast<double>(s.status.timestamp); });
    Emit(out, services, "node_service_normal_state", "Normal state of runit service.",
         [](const Service& s) { return s.normally_up ? 1 : 0; });
  }

 private:
  // One read of at most 20 bytes, as go-runit reads the file.
  static std::optional<RunitStatus> ReadStatus(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[20];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    return ParseRunitStatus(std::string_view(buf, static_cast<size_t>(n)));
  }

  template <typename Value, typename Services>
  static void Emit(MetricSet& out, const Services& services, std::string_view name, std::string_view help,
                   Value value) {
    for (const auto& s : services) {
      out.Gauge(name, help, {{"service", *s.name}, {"supervisor", "runit"}}, static_cast<double>(value(s)));
    }
  }

  std::string dir_;
  DirLister lister_;
  std::vector<DirEntry> entries_;
};

std::unique_ptr<Collector> CreateRunit(const Paths& paths) { return NewRunitCollector(paths, ServiceDirFlag()); }

NODE_AGENT_REGISTER_COLLECTOR("runit", kDisabledByDefault, &AddRunitFlags, &CreateRunit);

}  // namespace

std::unique_ptr<Collector> NewRunitCollector(const Paths&, const std::string& service_dir) {
  log::Warn("This collector is deprecated and will be removed in the next major version release.",
            {{"collector", "runit"}});
  // go-runit's default when the directory is empty.
  return std::make_unique<RunitCollector>(service_dir.empty() ? "/etc/service" : service_dir);
}

}  // namespace node_agent
