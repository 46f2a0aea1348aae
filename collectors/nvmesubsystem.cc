#include "collectors/nvmesubsystem.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::string_view NormalizeNvmeControllerState(std::string_view raw) {
  for (std::string_view s : {"live", "connecting", "resetting", "dead", "deleting", "new"}) {
    if (raw == s) return s;
  }
  if (raw == "deleting (no IO)") return "deleting";
  return "unknown";
}

namespace {

// "nvme" then digits; returns the position after them (0 when not so).
size_t NvmeDigits(std::string_view name) {
  if (!name.starts_with("nvme")) return 0;
  size_t i = 4;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
  return i > 4 ? i : 0;
}

}  // namespace

bool IsNvmeControllerName(std::string_view name) {
  size_t end = NvmeDigits(name);
  return end != 0 && end == name.size();
}

bool IsNvmeNamespaceName(std::string_view name) {
  size_t end = NvmeDigits(name);
  if (end == 0 || end + 1 >= name.size() || name[end] != 'n') return false;
  for (size_t i = end + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

namespace {

// The metric's state values, sorted, "unknown" included.
constexpr std::string_view kStates[] = {"connecting", "dead", "deleting", "live", "new", "resetting", "unknown"};

struct Controller {
  std::string name, state, transport;
};

struct Subsystem {
  std::string name, nqn, model, serial, iopolicy;
  std::vector<Controller> controllers;
  std::vector<std::string> namespaces;
};

class NvmesubsystemCollector : public Collector {
 public:
  explicit NvmesubsystemCollector(const Paths& paths) : class_dir_(paths.Sys("class/nvme-subsystem")) {}

  void Collect(MetricSet& out) override {
    if (!IsDir(class_dir_)) {
      // No NVMe driver, or no subsystem (the class directory appears with the first).
      return out.SetNoData("Could not read NVMe subsystem info: " + class_dir_ + " does not exist");
    }
    // procfs reads every subsystem before node_exporter exports any.
    std::vector<Subsystem> subsystems;
    for (const auto& name : ListDir(class_dir_)) {
      if (name.starts_with("nvme-subsys")) subsystems.push_back(ReadSubsystem(name));
    }
    for (const auto& s : subsystems) Add(s, out);
  }

 private:
  // An attribute procfs requires; a missing or unreadable one is ErrNoData.
  static std::string Require(const std::string& path) {
    std::string content;
    int err = 0;
    if (!ReadFile(path, content, &err)) {
      if (err == ENOENT || err == EACCES || err == EPERM) {
        throw NoDataError("Could not read NVMe subsystem info: " + path + ": " + std::strerror(err));
      }
      ThrowPathError("failed to scan NVMe subsystems: ", path, err);
    }
    return std::string(Trim(content));
  }

  Subsystem ReadSubsystem(const std::string& name) const {
    std::string dir = class_dir_ + "/" + name;
    Subsystem s;
    s.name = name;
    s.nqn = Require(dir + "/subsysnqn");
    s.model = Require(dir + "/model");
    s.serial = Require(dir + "/serial");
    s.iopolicy = Require(dir + "/iopolicy");
    for (const auto& entry : ListDir(dir)) {
      if (IsNvmeControllerName(entry)) {
        std::string cdir = dir + "/" + entry;
        Controller c{entry, Require(cdir + "/state"), Require(cdir + "/transport")};
        Require(cdir + "/address");
        s.controllers.push_back(std::move(c));
      } else if (IsNvmeNamespaceName(entry)) {
        s.namespaces.push_back(entry);
      }
    }
    return s;
  }

  static void Add(const Subsystem& s, MetricSet& out) {
    out.Gauge("node_nvmesubsystem_info", "Non-numeric information about an NVMe subsystem.",
              {{"subsystem", s.name}, {"nqn", s.nqn}, {"model", s.model}, {"serial", s.serial}, {"iopolicy", s.iopolicy}},
              1);
    for (const auto& ns : s.namespaces) {
      out.Gauge("node_nvmesubsystem_namespace_info", "Maps an NVMe namespace block device to its subsystem.",
                {{"subsystem", s.name}, {"device", ns}}, 1);
    }
    double live = 0;
    for (const auto& c : s.controllers) {
      std::string_view state = NormalizeNvmeControllerState(c.state);
      if (state == "live") ++live;
      for (std::string_view st : kStates) {
        out.Gauge("node_nvmesubsystem_path_state",
                  "Current NVMe controller path state (1 for the current state, 0 for all others).",
                  {{"subsystem", s.name}, {"controller", c.name}, {"transport", c.transport}, {"state", std::string(st)}},
                  st == state ? 1 : 0);
      }
    }
    out.Gauge("node_nvmesubsystem_paths", "Number of controller paths for an NVMe subsystem.", {{"subsystem", s.name}},
              static_cast<double>(s.controllers.size()));
    out.Gauge("node_nvmesubsystem_paths_live", "Number of controller paths in live state for an NVMe subsystem.",
              {{"subsystem", s.name}}, live);
  }

  std::string class_dir_;
};

std::unique_ptr<Collector> CreateNvmesubsystem(const Paths& paths) { return NewNvmesubsystemCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("nvmesubsystem", kDisabledByDefault, nullptr, &CreateNvmesubsystem);

}  // namespace

std::unique_ptr<Collector> NewNvmesubsystemCollector(const Paths& paths) {
  return std::make_unique<NvmesubsystemCollector>(paths);
}

}  // namespace node_agent
