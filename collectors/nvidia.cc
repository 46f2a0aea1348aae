#include "collectors/nvidia.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

// The helper's bytes, put into node-agent by collectors/nvidia_helper/blob.cc.
extern "C" const unsigned char node_agent_nvml_start[];
extern "C" const unsigned char node_agent_nvml_end[];

extern char** environ;

namespace node_agent {

std::optional<NvidiaSnapshot> ParseNvidiaSnapshot(std::string_view text) {
  NvidiaSnapshot snap;
  bool ended = false;
  auto malformed = [](std::string_view line) {
    log::WarnOnce("nvidia:line:" + std::string(line), "unexpected line from node-agent-nvml",
                  {{"line", std::string(line)}});
  };
  for (std::string_view line : Lines(text)) {
    size_t sp = line.find(' ');
    std::string_view key = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    NvidiaGpu* gpu = snap.gpus.empty() ? nullptr : &snap.gpus.back();
    if (key == "end") {
      ended = true;
      break;
    } else if (key == "status") {
      snap.status = std::string(rest);
    } else if (key == "driver") {
      snap.driver = std::string(rest);
    } else if (key == "gpu") {
      auto index = ParseUint(rest);
      if (!index) {
        malformed(line);
        continue;
      }
      snap.gpus.emplace_back().index = static_cast<unsigned>(*index);
    } else if (!gpu) {
      malformed(line);
    } else if (key == "uuid") {
      gpu->uuid = std::string(rest);
    } else if (key == "name") {
      gpu->name = std::string(rest);
    } else if (key == "pci") {
      gpu->pci_bus_id = std::string(rest);
    } else if (key == "error") {
      auto code = ParseInt(rest);
      gpu->error = code ? static_cast<int>(*code) : -1;
    } else if (key == "mig") {
      auto f = Fields(rest);
      auto id = f.empty() ? std::nullopt : ParseUint(f[0]);
      if (!id) {
        malformed(line);
        continue;
      }
      gpu->migs.push_back(NvidiaMig{static_cast<unsigned>(*id), f.size() > 1 ? std::string(f[1]) : "", {}});
    } else if (key == "v" || key == "mv") {
      auto f = Fields(rest);
      auto value = f.size() == 2 ? ParseDouble(f[1]) : std::nullopt;
      if (!value || (key == "mv" && gpu->migs.empty())) {
        malformed(line);
        continue;
      }
      (key == "v" ? gpu->values : gpu->migs.back().values)[std::string(f[0])] = *value;
    } else {
      malformed(line);
    }
  }
  if (!ended) return std::nullopt;
  return snap;
}

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct FieldSpec {
  std::string_view key;  // the helper's name for the raw NVML value
  std::string_view name;
  std::string_view help;
  MetricType type;
  double scale;  // NVML unit -> DCGM unit
};

// dcgm-exporter's etc/default-counters.csv (names, types, help, units), plus the ECC
// totals and clock throttle reasons it ships commented out.
constexpr std::array kFields{
    FieldSpec{"sm_clock", "DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", MetricType::Gauge, 1},
    FieldSpec{"mem_clock", "DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", MetricType::Gauge, 1},
    FieldSpec{"mem_temp", "DCGM_FI_DEV_MEMORY_TEMP", "Memory temperature (in C).", MetricType::Gauge, 1},
    FieldSpec{"temp", "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", MetricType::Gauge, 1},
    FieldSpec{"power_mw", "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", MetricType::Gauge, 1e-3},
    FieldSpec{"energy_mj", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
              "Total energy consumption since boot (in mJ).", MetricType::Counter, 1},
    FieldSpec{"pcie_replay", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "Total number of PCIe retries.",
              MetricType::Counter, 1},
    FieldSpec{"util_gpu", "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", MetricType::Gauge, 1},
    FieldSpec{"util_mem", "DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", MetricType::Gauge, 1},
    FieldSpec{"enc_util", "DCGM_FI_DEV_ENC_UTIL", "Encoder utilization (in %).", MetricType::Gauge, 1},
    FieldSpec{"dec_util", "DCGM_FI_DEV_DEC_UTIL", "Decoder utilization (in %).", MetricType::Gauge, 1},
    FieldSpec{"fb_free", "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", MetricType::Gauge, 1 / kMiB},
    FieldSpec{"fb_used", "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", MetricType::Gauge, 1 / kMiB},
    FieldSpec{"ecc_sbe_vol", "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "Total number of single-bit volatile ECC errors.",
              MetricType::Counter, 1},
    FieldSpec{"ecc_dbe_vol", "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "Total number of double-bit volatile ECC errors.",
              MetricType::Counter, 1},
    FieldSpec{"ecc_sbe_agg", "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "Total number of single-bit persistent ECC errors.",
              MetricType::Counter, 1},
    FieldSpec{"ecc_dbe_agg", "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "Total number of double-bit persistent ECC errors.",
              MetricType::Counter, 1},
    FieldSpec{"remap_uncorrectable", "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
              "Number of remapped rows for uncorrectable errors", MetricType::Counter, 1},
    FieldSpec{"remap_correctable", "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
              "Number of remapped rows for correctable errors", MetricType::Counter, 1},
    FieldSpec{"remap_failure", "DCGM_FI_DEV_ROW_REMAP_FAILURE", "Whether remapping of rows has failed",
              MetricType::Gauge, 1},
    FieldSpec{"throttle_reasons", "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "Current clock throttle reasons.",
              MetricType::Gauge, 1},
};

// err_msg for the commonest XIDs, from NVIDIA's XID catalogue, as dcgm-exporter labels them.
std::string_view XidMessage(double xid) {
  switch (static_cast<long>(xid)) {
    case 13: return "Graphics Engine Exception";
    case 31: return "GPU memory page fault";
    case 43: return "GPU stopped processing";
    case 45: return "Preemptive cleanup, due to previous errors";
    case 48: return "Double Bit ECC Error";
    case 63: return "ECC page retirement or row remapping recording event";
    case 64: return "ECC page retirement or row remapper recording failure";
    case 74: return "NVLINK Error";
    case 79: return "GPU has fallen off the bus";
    case 92: return "High single-bit ECC error rate";
    case 94: return "Contained ECC error";
    case 95: return "Uncontained ECC error";
    case 119: return "GSP RPC Timeout";
    case 120: return "GSP Error";
    default: return "";
  }
}

void AddGpuSamples(const NvidiaGpu& gpu, const NvidiaValues& memory, const Labels& labels, MetricSet& out) {
  for (const auto& spec : kFields) {
    const NvidiaValues& source = spec.key.starts_with("fb_") ? memory : gpu.values;
    auto it = source.find(spec.key);
    if (it == source.end()) continue;  // not supported by this GPU
    double value = it->second * spec.scale;
    // DCGM reports whole MiB.
    if (spec.key.starts_with("fb_")) value = static_cast<double>(static_cast<uint64_t>(value));
    out.Add(spec.type, spec.name, spec.help, labels, value);
  }
  if (auto it = gpu.values.find("xid"); it != gpu.values.end()) {
    Labels xid_labels = labels;
    xid_labels.push_back({"err_code", fmt::format("{}", it->second)});
    if (auto msg = XidMessage(it->second); !msg.empty()) xid_labels.push_back({"err_msg", std::string(msg)});
    out.Gauge("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", std::move(xid_labels),
              it->second);
  }
}

}  // namespace

size_t AddNvidiaMetrics(const NvidiaSnapshot& snapshot, const std::string& hostname, MetricSet& out) {
  size_t failed = 0;
  for (const auto& gpu : snapshot.gpus) {
    if (gpu.error) {
      ++failed;
      log::WarnOnce(fmt::format("nvidia:gpu:{}:{}", gpu.index, *gpu.error), "NVIDIA GPU failed",
                    {{"gpu", std::to_string(gpu.index)},
                     {"uuid", gpu.uuid},
                     {"nvml_error", std::to_string(*gpu.error)},
                     {"meaning", *gpu.error == 15 ? "GPU is lost (fell off the bus)" : "NVML error"}});
      continue;
    }
    // dcgm-exporter's label order.
    auto labels = [&](const NvidiaMig* mig) {
      Labels l{{"gpu", std::to_string(gpu.index)},
               {"UUID", gpu.uuid},
               {"pci_bus_id", gpu.pci_bus_id},
               {"device", fmt::format("nvidia{}", gpu.index)},
               {"modelName", gpu.name}};
      if (mig) {
        l.push_back({"GPU_I_PROFILE", mig->profile});
        l.push_back({"GPU_I_ID", std::to_string(mig->gpu_instance_id)});
      }
      l.push_back({"Hostname", hostname});
      l.push_back({"DCGM_FI_DRIVER_VERSION", snapshot.driver});
      return l;
    };
    if (gpu.migs.empty()) {
      AddGpuSamples(gpu, gpu.values, labels(nullptr), out);
    } else {
      // As dcgm-exporter: every GPU instance gets the GPU's samples, with its own memory.
      for (const auto& mig : gpu.migs) AddGpuSamples(gpu, mig.values, labels(&mig), out);
    }
  }
  return failed;
}

namespace {

// One node-agent-nvml process and the socket it reads requests from and answers on.
class Helper {
 public:
  Helper() = default;
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;
  ~Helper() { Stop(); }

  bool running() const { return pid_ > 0; }

  // Starts the embedded helper on `library`. Throws std::runtime_error.
  void Start(const std::string& library) {
    Stop();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      throw std::runtime_error(fmt::format("socketpair: {}", std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
    posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
    std::string err;
    pid_ = SpawnEmbedded(library, &actions, &err);
    posix_spawn_file_actions_destroy(&actions);
    close(sv[1]);
    if (pid_ <= 0) {
      close(sv[0]);
      pid_ = -1;
      throw std::runtime_error("couldn't start node-agent-nvml: " + err);
    }
    fd_ = sv[0];
  }

  // One snapshot; nullopt (helper killed) when it does not answer within `timeout`.
  std::optional<std::string> Request(std::chrono::milliseconds timeout, std::string* why) {
    if (send(fd_, "s", 1, MSG_NOSIGNAL) != 1) {
      *why = fmt::format("write: {}", std::strerror(errno));
      Stop();
      return std::nullopt;
    }
    std::string answer;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    while (!answer.ends_with("\nend\n")) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      int r = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        *why = fmt::format("no answer within {} ms", timeout.count());
        Stop();
        return std::nullopt;
      }
      ssize_t n = r > 0 ? recv(fd_, buf, sizeof buf, 0) : -1;
      if (n <= 0) {
        *why = n == 0 ? "exited" : fmt::format("read: {}", std::strerror(errno));
        Stop();
        return std::nullopt;
      }
      answer.append(buf, static_cast<size_t>(n));
    }
    return answer;
  }

  void Stop() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  static pid_t Spawn(const char* path, const std::string& library, posix_spawn_file_actions_t* actions,
                     std::string* err) {
    std::string arg0 = "node-agent-nvml";
    std::string arg1 = library;
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    pid_t pid = -1;
    // glibc's posix_spawn reports a failed exec as its return value.
    if (int rc = posix_spawn(&pid, path, actions, nullptr, argv, environ); rc != 0) {
      *err = fmt::format("{}: {}", path, std::strerror(rc));
      return -1;
    }
    return pid;
  }

  static bool WriteAll(int fd) {
    const unsigned char* p = node_agent_nvml_start;
    while (p < node_agent_nvml_end) {
      ssize_t n = write(fd, p, static_cast<size_t>(node_agent_nvml_end - p));
      if (n <= 0) return false;
      p += n;
    }
    return true;
  }

  // The helper is exec'd from a memfd, so node-agent stays one file; where that fails
  // (no memfd_create, /proc not mounted, NODE_AGENT_NVML_EXEC=tmpfile) from a
  // temporary file, removed once the process runs.
  static pid_t SpawnEmbedded(const std::string& library, posix_spawn_file_actions_t* actions, std::string* err) {
    const char* mode = std::getenv("NODE_AGENT_NVML_EXEC");
    if (!mode || std::string_view(mode) != "tmpfile") {
      int fd = memfd_create("node-agent-nvml", MFD_CLOEXEC);
      if (fd >= 0 && WriteAll(fd)) {
        // The live process's own fd, not a --path.procfs file.
        pid_t pid = Spawn(fmt::format("/proc/self/fd/{}", fd).c_str(), library, actions, err);
        close(fd);
        if (pid > 0) return pid;
      } else {
        *err = fmt::format("memfd: {}", std::strerror(errno));
        if (fd >= 0) close(fd);
      }
      log::WarnOnce("nvidia:memfd", "couldn't exec node-agent-nvml from a memfd; using a temporary file",
                    {{"err", *err}});
    }
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = fmt::format("{}/node-agent-nvml.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) {
      *err += fmt::format("; {}: {}", path, std::strerror(errno));
      return -1;
    }
    bool ok = fchmod(fd, 0700) == 0 && WriteAll(fd);
    close(fd);
    pid_t pid = ok ? Spawn(path.c_str(), library, actions, err) : -1;
    if (!ok) *err += fmt::format("; writing {}: {}", path, std::strerror(errno));
    unlink(path.c_str());
    return pid;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
};

class NvidiaCollector : public Collector {
 public:
  explicit NvidiaCollector(NvidiaOptions options) : options_(std::move(options)) {
    hostname_ = options_.hostname;
    if (hostname_.empty()) {
      char name[256] = "";
      gethostname(name, sizeof name - 1);
      hostname_ = name;
    }
    // No driver, no GPUs: decided here once, so such a machine pays nothing per scrape.
    if (!options_.library_set && !Exists("/dev/nvidiactl")) {
      log::Debug("nvidia: no /dev/nvidiactl; collector inactive");
      return;
    }
    std::string why;
    auto snap = Snapshot(options_.start_timeout, &why);
    if (!snap) {
      log::Debug("nvidia: node-agent-nvml gave no snapshot; collector inactive", {{"err", why}});
      helper_.Stop();
      return;
    }
    if (snap->status != "ok" || snap->gpus.empty()) {
      log::Debug("nvidia: no NVIDIA GPU; collector inactive",
                 {{"library", options_.library}, {"status", snap->status.empty() ? "no GPUs" : snap->status}});
      helper_.Stop();
      return;
    }
    active_ = true;
    log::Info("nvidia: NVML ready", {{"gpus", std::to_string(snap->gpus.size())}, {"driver", snap->driver}});
  }

  void Collect(MetricSet& out) override {
    if (!active_) return;
    std::string why;
    auto snap = Snapshot(options_.timeout, &why);
    if (!snap) {
      log::WarnOnce("nvidia:helper:" + why.substr(0, why.find(':')), "node-agent-nvml failed; GPU metrics skipped",
                    {{"err", why}, {"respawn_interval", fmt::format("{}s", options_.respawn_interval.count() / 1000)}});
      throw std::runtime_error("node-agent-nvml: " + why);
    }
    if (snap->status != "ok") throw std::runtime_error("NVML: " + snap->status);
    if (size_t failed = AddNvidiaMetrics(*snap, hostname_, out); failed > 0) {
      throw std::runtime_error(fmt::format("{} NVIDIA GPU(s) failed", failed));
    }
  }

 private:
  // Starts the helper if needed (at most once per respawn interval) and asks it once.
  std::optional<NvidiaSnapshot> Snapshot(std::chrono::milliseconds timeout, std::string* why) {
    if (!helper_.running()) {
      auto now = std::chrono::steady_clock::now();
      if (spawned_ && now - last_spawn_ < options_.respawn_interval) {
        *why = "down; waiting to restart it";
        return std::nullopt;
      }
      spawned_ = true;
      last_spawn_ = now;
      try {
        helper_.Start(options_.library);
      } catch (const std::exception& e) {
        *why = e.what();
        return std::nullopt;
      }
    }
    auto text = helper_.Request(timeout, why);
    if (!text) return std::nullopt;
    auto snap = ParseNvidiaSnapshot(*text);
    if (!snap) *why = "truncated answer";
    return snap;
  }

  NvidiaOptions options_;
  std::string hostname_;
  Helper helper_;
  bool active_ = false;
  bool spawned_ = false;
  std::chrono::steady_clock::time_point last_spawn_;
};

NvidiaOptions& FlagOptions() {
  static NvidiaOptions options;
  return options;
}

void AddNvidiaFlags(CLI::App& app) {
  app.add_option("--collector.nvidia.library", FlagOptions().library,
                 "NVML library node-agent-nvml loads (default: libnvidia-ml.so.1 from the dynamic loader's path).")
      ->group("nvidia collector")
      ->each([](const std::string&) { FlagOptions().library_set = true; });
}

std::unique_ptr<Collector> CreateNvidia(const Paths&) { return NewNvidiaCollector(FlagOptions()); }

NODE_AGENT_REGISTER_COLLECTOR("nvidia", kEnabledByDefault, &AddNvidiaFlags, &CreateNvidia);

}  // namespace

std::unique_ptr<Collector> NewNvidiaCollector(const NvidiaOptions& options) {
  return std::make_unique<NvidiaCollector>(options);
}

}  // namespace node_agent
