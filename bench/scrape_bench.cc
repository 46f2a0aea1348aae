// Microbenchmarks of a whole scrape on this host: every default collector's
// Collect on the live /proc and /sys, and serialization of the result.
//   build/microbench --benchmark_filter=Scrape
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>

#include "agent/exposition.h"
#include "agent/flags.h"
#include "agent/scrape.h"
#include "lib/collector.h"
#include "lib/family_pool.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "tests/support/decode.h"

namespace node_agent {
namespace {

// The default collector set, as `node-agent` with no flags would run it.
Config DefaultConfig() {
  Config config;
  const char* argv[] = {"microbench"};
  ParseFlags(1, argv, config);
  log::SetLevel("error");
  KeepPathDirsOpen(config.paths);  // as main does before creating collectors
  return config;
}

Scraper DefaultScraper() {
  Config config = DefaultConfig();
  std::vector<Scraper::Named> named;
  for (const auto& name : config.enabled_collectors) {
    named.push_back({name, FindCollector(name)->create(config.paths)});
  }
  return Scraper(std::move(named), {});
}

// The families of one scrape of this host, for the serialization benchmarks.
std::vector<EncodedFamily> OneDefaultScrape() {
  Scraper scraper = DefaultScraper();
  std::vector<EncodedFamily> families;
  std::string error;
  scraper.Scrape({}, {}, families, error);
  return families;
}

// The process's user and system CPU per iteration, as counters user_us and
// sys_us (getrusage over the whole loop, every thread: a scrape's runner
// threads and a collector's helper threads count too, which the benchmark's
// own CPU column, the calling thread's, leaves out). On a VM most of a
// collector's cost is the kernel's, in reads of /proc and /sys.
class ProcessCpu {
 public:
  explicit ProcessCpu(benchmark::State& state) : state_(state) { getrusage(RUSAGE_SELF, &before_); }
  ~ProcessCpu() {
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    const double n = static_cast<double>(std::max<benchmark::IterationCount>(1, state_.iterations()));
    state_.counters["user_us"] = (Us(after.ru_utime) - Us(before_.ru_utime)) / n;
    state_.counters["sys_us"] = (Us(after.ru_stime) - Us(before_.ru_stime)) / n;
  }

 private:
  static double Us(const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; }
  benchmark::State& state_;
  rusage before_{};
};

void BM_Collector(benchmark::State& state, const std::string& name) {
  Config config = DefaultConfig();
  auto collector = FindCollector(name)->create(config.paths);
  ProcessCpu cpu(state);
  for (auto _ : state) {
    MetricSet set;
    // No data on this host (e.g. nvme without NVMe): still measured.
    RunCollect(*collector, set);
    benchmark::DoNotOptimize(set);
  }
}

void BM_ScrapeAllDefault(benchmark::State& state) {
  Scraper scraper = DefaultScraper();
  size_t bytes = 0;
  ProcessCpu cpu(state);
  for (auto _ : state) {
    std::vector<EncodedFamily> families;
    std::string error;
    scraper.Scrape({}, {}, families, error);
    std::string text = SerializeText(families);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
    RecycleFamilies(families);  // as the handler does after each response
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ScrapeAllDefault)->Unit(benchmark::kMicrosecond);

void BM_SerializeFullScrape(benchmark::State& state) {
  std::vector<EncodedFamily> families = OneDefaultScrape();
  for (auto _ : state) {
    benchmark::DoNotOptimize(SerializeText(families));
  }
}
BENCHMARK(BM_SerializeFullScrape)->Unit(benchmark::kMicrosecond);

// The same families through prometheus-cpp's ostream-based TextSerializer,
// which the agent used before its own writer.
void BM_SerializeFullScrapePrometheusCpp(benchmark::State& state) {
  std::vector<prometheus::MetricFamily> families = testing::Decode(OneDefaultScrape());
  for (auto _ : state) {
    benchmark::DoNotOptimize(SerializeTextPrometheusCpp(families));
  }
}
BENCHMARK(BM_SerializeFullScrapePrometheusCpp)->Unit(benchmark::kMicrosecond);

// gzip of a full scrape's text at libdeflate level state.range(0).
void BM_Gzip(benchmark::State& state) {
  std::vector<EncodedFamily> families = OneDefaultScrape();
  std::string text = SerializeText(families);
  size_t out = 0;
  for (auto _ : state) {
    std::string z = Gzip(text, static_cast<int>(state.range(0)));
    out = z.size();
    benchmark::DoNotOptimize(z);
  }
  state.counters["in_bytes"] = static_cast<double>(text.size());
  state.counters["out_bytes"] = static_cast<double>(out);
}
BENCHMARK(BM_Gzip)->Arg(1)->Arg(3)->Arg(6)->Unit(benchmark::kMicrosecond);

// The path from a collector's sample to the response bytes, without the
// collectors' reads: the samples of one scrape (each collector's, recorded
// once) are added again through MetricSet, one set per collector, merged and
// serialized, as a scrape does. user_ns_per_sample is the process's user CPU
// per sample (gzip excluded). NODE_AGENT_BENCH_ROOT=DIR records them on a
// fixture tree instead of this host (bench/make_scale_fixture.py for the
// 1000-device rows).
struct RecordedSample {
  std::vector<LabelView> labels;
  double value;
};
struct RecordedFamily {
  MetricType type;
  std::string name, help;
  std::vector<Labels> owned;  // what `samples` point into
  std::vector<RecordedSample> samples;
};

std::vector<std::vector<RecordedFamily>> RecordSamples(size_t& total) {
  Config config = DefaultConfig();
  if (const char* root = std::getenv("NODE_AGENT_BENCH_ROOT")) {
    config.paths.procfs = std::string(root) + "/proc";
    config.paths.sysfs = std::string(root) + "/sys";
    config.paths.rootfs = root;
    config.paths.udev_data = std::string(root) + "/udev/data";
  }
  std::vector<std::vector<RecordedFamily>> out;
  total = 0;
  for (const auto& name : config.enabled_collectors) {
    MetricSet set;
    if (RunCollect(*FindCollector(name)->create(config.paths), set).status != CollectStatus::kOk) {
      continue;  // not on this host
    }
    auto& families = out.emplace_back();
    for (const auto& encoded : set.families()) {
      if (encoded.type == MetricType::Histogram || encoded.type == MetricType::Summary) continue;
      auto decoded = testing::Decode(encoded);
      auto& f = families.emplace_back();
      f.type = decoded.type;
      f.name = decoded.name;
      f.help = decoded.help;
      f.owned.reserve(decoded.metric.size());
      for (const auto& m : decoded.metric) {
        const Labels& labels = f.owned.emplace_back(m.label);
        RecordedSample sample{{}, testing::SampleValue(decoded, m)};
        for (const auto& l : labels) sample.labels.push_back({l.name, l.value});
        f.samples.push_back(std::move(sample));
        ++total;
      }
    }
  }
  return out;
}

void BM_SamplePath(benchmark::State& state) {
  size_t total = 0;
  auto recorded = RecordSamples(total);
  size_t bytes = 0;
  FamilyOrderCache order;  // as a Scraper keeps
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  for (auto _ : state) {
    std::vector<EncodedFamily> families;
    for (const auto& collector : recorded) {
      MetricSet set;
      for (const auto& f : collector) {
        for (const auto& s : f.samples) set.AddLabels(f.type, f.name, f.help, s.labels, s.value);
      }
      for (auto& f : set.Take()) families.push_back(std::move(f));
    }
    MergeSortedFamilies(families, &order);
    std::string text = SerializeText(families);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
    RecycleFamilies(families);  // as the handler does after each response
  }
  getrusage(RUSAGE_SELF, &after);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  const double n = static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.counters["samples"] = static_cast<double>(total);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["user_ns_per_sample"] =
      total == 0 ? 0 : (us(after.ru_utime) - us(before.ru_utime)) * 1e3 / n / static_cast<double>(total);
}
BENCHMARK(BM_SamplePath)->Unit(benchmark::kMicrosecond);

// One benchmark per registered collector, named after it.
const bool kPerCollector = [] {
  for (const auto& info : RegisteredCollectors()) {
    benchmark::RegisterBenchmark(("BM_Collector/" + info.name).c_str(), BM_Collector, info.name)
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace
}  // namespace node_agent
