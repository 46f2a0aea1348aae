// The nvidia collector: its snapshot parser alone, then the real embedded
// node-agent-nvml process on the fake libnvidia-ml.so.1 (tests/fake_nvml/).
#include "tests/support/build_paths.h"
#include "collectors/nvidia.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::LogCapture;
using testing::SampleCount;
using testing::Serialize;
using testing::TempDir;
using testing::Value;

// What the real H100 answered (nvidia-smi and NVML on the GPU node).
constexpr const char* kH100 =
    "gpu\n"
    "uuid GPU-319ae366-9b29-1a13-770e-ac6ad1cd6b07\n"
    "name NVIDIA H100 80GB HBM3\n"
    "pci 00000000:00:06.0\n"
    "temp 32\n"
    "mem_temp 40\n"
    "power_mw 112537\n"
    "energy_mj 98765432\n"
    "sm_clock 345\n"
    "mem_clock 2619\n"
    "util_gpu 0\n"
    "util_mem 0\n"
    "enc_util 0\n"
    "dec_util 0\n"
    "fb_total 85520809984\n"
    "fb_free 85017493504\n"
    "fb_used 0\n"
    "fb_reserved 503316480\n"
    "pcie_replay 1\n"
    "ecc_sbe_vol 0\n"
    "ecc_dbe_vol 0\n"
    "ecc_sbe_agg 0\n"
    "ecc_dbe_agg 0\n"
    "remap_correctable 0\n"
    "remap_uncorrectable 0\n"
    "remap_pending 0\n"
    "remap_failure 0\n"
    "throttle_reasons 1\n";

Labels GpuLabels(const std::string& gpu, const std::string& uuid, const std::string& pci, const std::string& model,
                 const Labels& mig = {}) {
  Labels l{{"gpu", gpu}, {"UUID", uuid}, {"pci_bus_id", pci}, {"device", "nvidia" + gpu}, {"modelName", model}};
  l.insert(l.end(), mig.begin(), mig.end());
  l.push_back({"Hostname", "testhost"});
  l.push_back({"DCGM_FI_DRIVER_VERSION", "580.159.04"});
  return l;
}

const Labels kH100Labels =
    GpuLabels("0", "GPU-319ae366-9b29-1a13-770e-ac6ad1cd6b07", "00000000:00:06.0", "NVIDIA H100 80GB HBM3");

// Runs the collector on the fake library with `config` as its FAKE_NVML_CONFIG.
class FakeNvml {
 public:
  explicit FakeNvml(const std::string& config) {
    dir_.Write("fake.conf", config);
    setenv("FAKE_NVML_CONFIG", (dir_.path() + "/fake.conf").c_str(), 1);
  }
  ~FakeNvml() { unsetenv("FAKE_NVML_CONFIG"); }
  static NvidiaOptions Options() {
    NvidiaOptions o;
    o.library = NODE_AGENT_FAKE_NVML;
    o.library_set = true;
    o.hostname = "testhost";
    o.timeout = std::chrono::milliseconds(1500);
    return o;
  }

 private:
  TempDir dir_;
};

// Collects once; returns whether Collect threw.
bool CollectInto(Collector& c, MetricSet& out) {
  try {
    c.Collect(out);
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

TEST(NvidiaParse, SnapshotWithGpusMigAndLostGpu) {
  auto snap = ParseNvidiaSnapshot(
      "status ok\ndriver 580.159.04\n"
      "gpu 0\nuuid GPU-a\nname NVIDIA H100 80GB HBM3\npci 00000000:00:06.0\nv temp 32\nv power_mw 112537\n"
      "gpu 1\nerror 15\n"
      "gpu 2\nuuid GPU-c\nname NVIDIA A100\npci \nv xid 79\nmig 3 1g.10gb\nmv fb_used 1048576\n"
      "end\n");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->status, "ok");
  EXPECT_EQ(snap->driver, "580.159.04");
  ASSERT_EQ(snap->gpus.size(), 3u);
  EXPECT_EQ(snap->gpus[0].uuid, "GPU-a");
  EXPECT_EQ(snap->gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(snap->gpus[0].pci_bus_id, "00000000:00:06.0");
  EXPECT_EQ(snap->gpus[0].values.at("temp"), 32);
  EXPECT_EQ(snap->gpus[0].values.at("power_mw"), 112537);
  EXPECT_FALSE(snap->gpus[0].error);
  EXPECT_EQ(snap->gpus[1].index, 1u);
  EXPECT_EQ(snap->gpus[1].error, 15);
  ASSERT_EQ(snap->gpus[2].migs.size(), 1u);
  EXPECT_EQ(snap->gpus[2].migs[0].gpu_instance_id, 3u);
  EXPECT_EQ(snap->gpus[2].migs[0].profile, "1g.10gb");
  EXPECT_EQ(snap->gpus[2].migs[0].values.at("fb_used"), 1048576);
  EXPECT_EQ(snap->gpus[2].values.at("xid"), 79);
}

TEST(NvidiaParse, TruncatedAnswerIsRejected) {
  EXPECT_FALSE(ParseNvidiaSnapshot("status ok\ngpu 0\nv temp 32\n"));
  auto no_lib = ParseNvidiaSnapshot("status no_library libnvidia-ml.so.1: cannot open\nend\n");
  ASSERT_TRUE(no_lib);
  EXPECT_EQ(no_lib->status, "no_library libnvidia-ml.so.1: cannot open");
  EXPECT_TRUE(no_lib->gpus.empty());
}

TEST(NvidiaParse, MalformedLinesSkippedAndLoggedOnce) {
  LogCapture logs;
  const char* text = "status ok\nv temp 1\ngpu 0\nv temp x\nv power_mw 5\nbogus 1\nmv fb_used 1\nend\n";
  for (int i = 0; i < 3; ++i) {
    auto snap = ParseNvidiaSnapshot(text);
    ASSERT_TRUE(snap);
    ASSERT_EQ(snap->gpus.size(), 1u);
    EXPECT_EQ(snap->gpus[0].values.size(), 1u);
    EXPECT_EQ(snap->gpus[0].values.at("power_mw"), 5);
  }
  EXPECT_EQ(logs.Warnings("unexpected line"), 4u);  // 4 bad lines, each once
}

TEST(NvidiaMetrics, UnitsTypesAndLabels) {
  auto snap = ParseNvidiaSnapshot(
      "status ok\ndriver 580.159.04\ngpu 0\nuuid GPU-319ae366-9b29-1a13-770e-ac6ad1cd6b07\n"
      "name NVIDIA H100 80GB HBM3\npci 00000000:00:06.0\nv power_mw 112537\nv fb_free 85017493504\n"
      "v fb_used 0\nv energy_mj 7\nv throttle_reasons 1\nv xid 79\nend\n");
  ASSERT_TRUE(snap);
  MetricSet out;
  EXPECT_EQ(AddNvidiaMetrics(*snap, "testhost", out), 0u);
  EXPECT_DOUBLE_EQ(Value(out, "DCGM_FI_DEV_POWER_USAGE", kH100Labels), 112.537);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_FREE", kH100Labels), 81079);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_USED", kH100Labels), 0);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kH100Labels), 7);
  EXPECT_EQ(out.Find("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")->type, MetricType::Counter);
  EXPECT_EQ(out.Find("DCGM_FI_DEV_POWER_USAGE")->type, MetricType::Gauge);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", kH100Labels), 1);
  Labels xid = kH100Labels;
  xid.push_back({"err_code", "79"});
  xid.push_back({"err_msg", "GPU has fallen off the bus"});
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_XID_ERRORS", xid), 79);
  // Not in the snapshot: not supported, so absent rather than 0.
  EXPECT_EQ(out.Find("DCGM_FI_DEV_GPU_TEMP"), nullptr);
}

TEST(NvidiaCollector, FakeLibraryGpusUnsupportedFieldsLostGpuAndMig) {
  FakeNvml fake(std::string(kH100) +
                "gpu\nuuid GPU-lost\nname NVIDIA A10G\npci 00000000:00:1E.0\nlost 1\n"
                "gpu\nuuid GPU-mig\nname NVIDIA A100-SXM4-40GB\npci 00000000:00:1F.0\ntemp 50\n"
                "mig 1 1048576 10737418240 1g.10gb\nmig 2 0 21474836480 2g.20gb\n");
  LogCapture logs;
  auto collector = NewNvidiaCollector(FakeNvml::Options());
  MetricSet out;
  // The lost GPU fails the scrape; the other GPUs' samples are still served.
  EXPECT_TRUE(CollectInto(*collector, out));
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_GPU_TEMP", kH100Labels), 32);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_MEMORY_TEMP", kH100Labels), 40);
  EXPECT_DOUBLE_EQ(Value(out, "DCGM_FI_DEV_POWER_USAGE", kH100Labels), 112.537);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kH100Labels), 98765432);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_SM_CLOCK", kH100Labels), 345);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_MEM_CLOCK", kH100Labels), 2619);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_GPU_UTIL", kH100Labels), 0);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_FREE", kH100Labels), 81079);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_USED", kH100Labels), 0);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", kH100Labels), 1);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", kH100Labels), 0);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_ROW_REMAP_FAILURE", kH100Labels), 0);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", kH100Labels), 1);
  // The lost GPU has no sample at all and is logged once.
  EXPECT_EQ(Serialize(out).find("GPU-lost"), std::string::npos);
  EXPECT_EQ(logs.Warnings("NVIDIA GPU failed"), 1u);
  // MIG: one sample per GPU instance, the instance's memory; GPU-wide values repeated.
  Labels mig1 = GpuLabels("2", "GPU-mig", "00000000:00:1F.0", "NVIDIA A100-SXM4-40GB",
                          {{"GPU_I_PROFILE", "1g.10gb"}, {"GPU_I_ID", "1"}});
  Labels mig2 = GpuLabels("2", "GPU-mig", "00000000:00:1F.0", "NVIDIA A100-SXM4-40GB",
                          {{"GPU_I_PROFILE", "2g.20gb"}, {"GPU_I_ID", "2"}});
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_USED", mig1), 1);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_FREE", mig1), 10239);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_FB_FREE", mig2), 20480);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_GPU_TEMP", mig1), 50);
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_GPU_TEMP", mig2), 50);
  // The MIG GPU supports only temperature and memory: nothing else is invented.
  EXPECT_EQ(SampleCount(out, "DCGM_FI_DEV_POWER_USAGE"), 1u);
  EXPECT_EQ(SampleCount(out, "DCGM_FI_DEV_GPU_TEMP"), 3u);
  // A second scrape: same answer, no new warning.
  MetricSet again;
  EXPECT_TRUE(CollectInto(*collector, again));
  EXPECT_EQ(Serialize(again), Serialize(out));
  EXPECT_EQ(logs.Warnings("NVIDIA GPU failed"), 1u);
}

TEST(NvidiaCollector, XidEventArrivesFromTheEventThread) {
  FakeNvml fake(std::string(kH100) + "xid 79\n");
  auto collector = NewNvidiaCollector(FakeNvml::Options());
  Labels xid = kH100Labels;
  xid.push_back({"err_code", "79"});
  xid.push_back({"err_msg", "GPU has fallen off the bus"});
  double seen = -1;
  for (int i = 0; i < 40 && seen != 79; ++i) {  // the event thread delivers it within ~0.2 s
    MetricSet out;
    EXPECT_FALSE(CollectInto(*collector, out));
    seen = Value(out, "DCGM_FI_DEV_XID_ERRORS", xid);
    if (seen != 79) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(seen, 79);
}

TEST(NvidiaCollector, SlowGettersAreNotReadOnEveryScrape) {
  // nvmlDeviceGetTotalEnergyConsumption costs ~3 ms of CPU on an H100: read once per
  // 30 s, so two scrapes in a row see one read while the fast fields stay fresh.
  FakeNvml fake(std::string(kH100) + "energy_step 1000\n");
  auto collector = NewNvidiaCollector(FakeNvml::Options());
  MetricSet first, second;
  ASSERT_FALSE(CollectInto(*collector, first));
  ASSERT_FALSE(CollectInto(*collector, second));
  double energy = Value(first, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kH100Labels);
  EXPECT_GE(energy, 98765432);
  EXPECT_EQ(Value(second, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kH100Labels), energy);
  EXPECT_EQ(Value(second, "DCGM_FI_DEV_GPU_TEMP", kH100Labels), 32);
}

TEST(NvidiaCollector, HungNvmlCallTimesOutAndRespawnIsRateLimited) {
  FakeNvml fake(std::string(kH100) + "hang_ms 4000\n");
  NvidiaOptions o = FakeNvml::Options();
  o.start_timeout = std::chrono::milliseconds(10000);
  o.timeout = std::chrono::milliseconds(300);
  o.respawn_interval = std::chrono::milliseconds(60000);
  // The first answer (at start) also hangs 4 s, within start_timeout.
  auto collector = NewNvidiaCollector(o);
  LogCapture logs;
  auto start = std::chrono::steady_clock::now();
  MetricSet out;
  EXPECT_TRUE(CollectInto(*collector, out));
  EXPECT_TRUE(out.empty());
  // Within the respawn interval the collector fails at once, without a new helper.
  MetricSet out2;
  EXPECT_TRUE(CollectInto(*collector, out2));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));  // the 2 s scrape deadline
  EXPECT_EQ(logs.Warnings("node-agent-nvml failed"), 2u);  // timed out; waiting to restart
}

TEST(NvidiaCollector, MissingLibraryOrFailedInitMakesItAbsent) {
  LogCapture logs;
  for (const char* config : {"", "init_error 9\n"}) {
    FakeNvml fake(std::string(config) + kH100);
    NvidiaOptions o = FakeNvml::Options();
    if (!*config) o.library = "/nonexistent/libnvidia-ml.so.1";
    auto collector = NewNvidiaCollector(o);
    MetricSet out;
    EXPECT_FALSE(CollectInto(*collector, out));
    EXPECT_TRUE(out.empty());
  }
  EXPECT_EQ(logs.Warnings(), 0u);
}

TEST(NvidiaCollector, TemporaryFileFallback) {
  FakeNvml fake(kH100);
  setenv("NODE_AGENT_NVML_EXEC", "tmpfile", 1);
  auto collector = NewNvidiaCollector(FakeNvml::Options());
  unsetenv("NODE_AGENT_NVML_EXEC");
  MetricSet out;
  EXPECT_FALSE(CollectInto(*collector, out));
  EXPECT_EQ(Value(out, "DCGM_FI_DEV_GPU_TEMP", kH100Labels), 32);
}

// The helper runs on any glibc >= 2.17: no symbol version above the baseline.
TEST(NvidiaHelper, NeedsNoGlibcNewerThan217) {
  FILE* p = popen((std::string("objdump -T ") + NODE_AGENT_NVML_HELPER + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << text;
  std::regex version(R"(GLIBC_2\.(\d+))");
  int versions = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), version), end; it != end; ++it) {
    ++versions;
    EXPECT_LE(std::stoi((*it)[1]), 17) << it->str();
  }
  EXPECT_GT(versions, 0) << text;  // it does link glibc
  EXPECT_NE(text.find("dlopen"), std::string::npos);
}

}  // namespace
}  // namespace node_agent
