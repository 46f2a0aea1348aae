#include "collectors/selinux.h"

#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <optional>

#include "lib/go_compat.h"
#include "lib/log.h"

namespace node_agent {

namespace {

constexpr size_t kMaxScanLine = 64 * 1024;  // bufio.Scanner's line limit

// Calls fn on each line as Go's bufio.Scanner yields them; stops early when
// fn returns false or at a line Scanner cannot hold.
template <typename Fn>
void ScanLines(std::string_view content, Fn fn) {
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    if (line.size() >= kMaxScanLine) return;
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(line)) return;
  }
}

}  // namespace

std::string SelinuxConfigValue(std::string_view config, std::string_view key) {
  std::string value;
  ScanLines(config, [&](std::string_view line) {
    line = GoTrimSpace(line);
    if (line.empty() || line[0] == ';' || line[0] == '#') return true;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || line.substr(0, eq) != key) return true;
    std::string_view v = line.substr(eq + 1);
    while (!v.empty() && v.front() == '"') v.remove_prefix(1);
    while (!v.empty() && v.back() == '"') v.remove_suffix(1);
    value = std::string(v);
    return false;
  });
  return value;
}

int SelinuxConfigMode(std::string_view config) {
  std::string mode = SelinuxConfigValue(config, "SELINUX");
  if (mode == "enforcing") return 1;
  if (mode == "permissive") return 0;
  return -1;
}

int64_t SelinuxEnforceMode(std::string_view enforce) { return GoAtoi(enforce).value_or(-1); }

std::vector<std::string> SelinuxfsMountPoints(std::string_view mountinfo) {
  std::vector<std::string> mounts;
  ScanLines(mountinfo, [&](std::string_view line) {
    if (line.find(" - selinuxfs ") == std::string_view::npos) return true;
    // bytes.SplitN(line, " ", 6): the fifth field needs five spaces before the rest.
    size_t start = 0;
    for (int field = 0; field < 4; ++field) {
      start = line.find(' ', start);
      if (start == std::string_view::npos) return true;
      ++start;
    }
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) return true;
    mounts.emplace_back(line.substr(start, end - start));
    return true;
  });
  return mounts;
}

bool KernelHasSelinuxfs(std::string_view filesystems) {
  return filesystems.find("\tselinuxfs\n") != std::string_view::npos;
}

bool SelinuxLabelEnabled(std::string_view current) {
  if (!current.empty() && current.back() == '\0') current.remove_suffix(1);
  return current != "kernel";
}

namespace {

constexpr unsigned long kSelinuxMagic = 0xf97cff8c;

// go-selinux's verifySELinuxfsMount.
bool VerifySelinuxfs(const std::string& mnt) {
  struct statfs st;
  int rc;
  do {
    rc = ::statfs(mnt.c_str(), &st);
  } while (rc != 0 && (errno == EAGAIN || errno == EINTR));
  if (rc != 0) return false;
  if (static_cast<uint32_t>(st.f_type) != static_cast<uint32_t>(kSelinuxMagic)) return false;
  return (st.f_flags & ST_RDONLY) == 0;
}

class SelinuxCollector : public Collector {
 public:
  SelinuxCollector(const Paths& paths, const SelinuxOptions& options)
      : paths_(paths), verify_(options.verify_mount ? options.verify_mount : VerifySelinuxfs) {}

  void Collect(MetricSet& out) override {
    // go-selinux decides once per process.
    if (!enabled_) enabled_ = Enabled();
    if (!*enabled_) {
      out.Gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", {}, 0);
      return;
    }
    out.Gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", {}, 1);
    std::string config;
    ReadFile(paths_.Root("etc/selinux/config"), config);  // unreadable: "" -> disabled (-1)
    out.Gauge("node_selinux_config_mode", "Configured SELinux enforcement mode", {}, SelinuxConfigMode(config));
    std::string enforce;
    double current = -1;
    if (ReadFile(mount_ + "/enforce", enforce)) current = static_cast<double>(SelinuxEnforceMode(enforce));
    out.Gauge("node_selinux_current_mode", "Current SELinux enforcement mode", {}, current);
  }

 private:
  // getSelinuxMountPoint: the default mount, else (when the kernel has
  // selinuxfs) the first verified selinuxfs mount of this process.
  std::string MountPoint() {
    std::string fast = paths_.Sys("fs/selinux");
    if (verify_(fast)) return fast;
    std::string filesystems;
    if (!ReadFile(paths_.Proc("filesystems"), filesystems) || !KernelHasSelinuxfs(filesystems)) return "";
    std::string mountinfo;
    if (!ReadFile(paths_.Proc("self/mountinfo"), mountinfo)) return "";
    for (const std::string& mnt : SelinuxfsMountPoints(mountinfo)) {
      if (verify_(mnt)) return mnt;
    }
    return "";
  }

  bool Enabled() {
    mount_ = MountPoint();
    if (mount_.empty()) return false;
    std::string label;
    ReadFile(paths_.Proc("thread-self/attr/current"), label);
    return SelinuxLabelEnabled(label);
  }

  Paths paths_;
  std::function<bool(const std::string&)> verify_;
  std::optional<bool> enabled_;
  std::string mount_;
};

std::unique_ptr<Collector> CreateSelinux(const Paths& paths) { return NewSelinuxCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("selinux", kEnabledByDefault, nullptr, &CreateSelinux);

}  // namespace

std::unique_ptr<Collector> NewSelinuxCollector(const Paths& paths, const SelinuxOptions& options) {
  return std::make_unique<SelinuxCollector>(paths, options);
}

}  // namespace node_agent
