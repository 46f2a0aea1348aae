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
#include "lib/log.h"

namespace node_agent {
namespace {

// The default collector set, as `node-agent` with no flags would run it.
Config DefaultConfig() {
  Config config;
  const char* argv[] = {"microbench"};
  ParseFlags(1, argv, config);
  log::SetLevel("error");
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
std::vector<MetricFamily> OneDefaultScrape() {
  Scraper scraper = DefaultScraper();
  std::vector<MetricFamily> families;
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
    try {
      collector->Collect(set);
    } catch (const std::exception&) {
      // No data on this host (e.g. nvme without NVMe): still measured.
    }
    benchmark::DoNotOptimize(set);
  }
}

void BM_ScrapeAllDefault(benchmark::State& state) {
  Scraper scraper = DefaultScraper();
  size_t bytes = 0;
  ProcessCpu cpu(state);
  for (auto _ : state) {
    std::vector<MetricFamily> families;
    std::string error;
    scraper.Scrape({}, {}, families, error);
    std::string text = SerializeText(families);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ScrapeAllDefault)->Unit(benchmark::kMicrosecond);

void BM_SerializeFullScrape(benchmark::State& state) {
  std::vector<MetricFamily> families = OneDefaultScrape();
  for (auto _ : state) {
    benchmark::DoNotOptimize(SerializeText(families));
  }
}
BENCHMARK(BM_SerializeFullScrape)->Unit(benchmark::kMicrosecond);

// The same families through prometheus-cpp's ostream-based TextSerializer,
// which the agent used before its own writer.
void BM_SerializeFullScrapePrometheusCpp(benchmark::State& state) {
  std::vector<MetricFamily> families = OneDefaultScrape();
  for (auto _ : state) {
    benchmark::DoNotOptimize(SerializeTextPrometheusCpp(families));
  }
}
BENCHMARK(BM_SerializeFullScrapePrometheusCpp)->Unit(benchmark::kMicrosecond);

// gzip of a full scrape's text at zlib level state.range(0).
void BM_Gzip(benchmark::State& state) {
  std::vector<MetricFamily> families = OneDefaultScrape();
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
