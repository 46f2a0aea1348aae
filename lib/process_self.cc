#include "lib/process_self.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "lib/fs.h"

namespace node_agent {

std::optional<ProcSelfStat> ParseProcPidStat(std::string_view content) {
  auto close = content.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After ") " come fields 3.. of proc(5): state is field 3.
  auto fields = Fields(content.substr(close + 1));
  // Field N of proc(5) is fields[N - 3].
  if (fields.size() < 22) return std::nullopt;
  ProcSelfStat s;
  auto get = [&](int n, uint64_t& dst) {
    auto v = ParseUint(fields[static_cast<size_t>(n - 3)]);
    if (!v) return false;
    dst = *v;
    return true;
  };
  if (!get(14, s.utime_ticks) || !get(15, s.stime_ticks) || !get(22, s.start_time_ticks) ||
      !get(23, s.vsize_bytes) || !get(24, s.rss_pages)) {
    return std::nullopt;
  }
  return s;
}

namespace {

class ProcessSelfCollector : public Collector {
 public:
  explicit ProcessSelfCollector(std::string proc_root)
      : stat_(Paths::Join(proc_root, "self/stat"), ShortRead::kIsEnd),
        fd_dir_(Paths::Join(proc_root, "self/fd")),
        fd_dir_on_procfs_(IsProcfsMount(fd_dir_)),
        ticks_per_second_(static_cast<double>(sysconf(_SC_CLK_TCK))),
        page_size_(static_cast<double>(sysconf(_SC_PAGESIZE))) {
    // Boot time does not change while we run: read it once.
    if (auto stat = ReadFile(Paths::Join(proc_root, "stat"))) {
      for (auto line : Lines(*stat)) {
        auto f = Fields(line);
        if (f.size() == 2 && f[0] == "btime") {
          if (auto v = ParseUint(f[1])) boot_time_ = static_cast<double>(*v);
        }
      }
    }
  }

  void Collect(MetricSet& out) override {
    if (stat_.Read(buf_) != 0) throw std::runtime_error("cannot read " + stat_.path());
    auto s = ParseProcPidStat(buf_);
    if (!s) throw std::runtime_error("cannot parse " + stat_.path());
    out.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
                static_cast<double>(s->utime_ticks + s->stime_ticks) / ticks_per_second_);
    out.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
              static_cast<double>(s->rss_pages) * page_size_);
    out.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
              static_cast<double>(s->vsize_bytes));
    out.Gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
              boot_time_ + static_cast<double>(s->start_time_ticks) / ticks_per_second_);
    out.Gauge("process_open_fds", "Number of open file descriptors.", {}, static_cast<double>(OpenFds()));
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
      out.Gauge("process_max_fds", "Maximum number of open file descriptors.", {},
                static_cast<double>(lim.rlim_cur));
    }
    if (getrlimit(RLIMIT_AS, &lim) == 0) {
      out.Gauge("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", {},
                static_cast<double>(lim.rlim_cur));
    }
  }

 private:
  // The listing's own descriptor is open while it counts, as in client_golang.
  // Linux 6.2+ gives the count as the size of procfs' fd directory: one stat
  // instead of a listing that looks up every descriptor the agent keeps open;
  // plus one for the descriptor the listing would have held. Older kernels
  // (and a directory not on procfs) give no count there: list it.
  size_t OpenFds() const {
    struct stat st {};
    if (fd_dir_on_procfs_ && stat(fd_dir_.c_str(), &st) == 0 && st.st_size > 0) {
      return static_cast<size_t>(st.st_size) + 1;
    }
    return CountDirEntries(fd_dir_);
  }

  CachedFile stat_;
  std::string fd_dir_;
  bool fd_dir_on_procfs_;
  std::string buf_;
  double ticks_per_second_;
  double page_size_;
  double boot_time_ = 0;
};

}  // namespace

std::unique_ptr<Collector> NewProcessSelfCollector(std::string proc_root) {
  return std::make_unique<ProcessSelfCollector>(std::move(proc_root));
}

}  // namespace node_agent
