// Microbenchmarks of a whole scrape on this host: every default collector's
// Collect on the live /proc and /sys, and serialization of the result.
//   build/microbench --benchmark_filter=Scrape
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "agent/exposition.h"
#include "agent/flags.h"
#include "agent/scrape.h"
#include "collectors/collector.h"
#include "collectors/log.h"

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

void BM_Collector(benchmark::State& state, const std::string& name) {
  Config config = DefaultConfig();
  auto collector = FindCollector(name)->create(config.paths);
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  for (auto _ : state) {
    MetricSet set;
    try {
      collector->Collect(set);
    } catch (const std::exception&) {
      // No data on this host (e.g. nvme without NVMe): still measured.
    }
    benchmark::DoNotOptimize(set);
  }
  ::getrusage(RUSAGE_SELF, &after);
  // User and kernel CPU per Collect (wall time hides which side a syscall-heavy
  // collector spends in): e.g. --benchmark_filter=BM_Collector/netclass
  // --benchmark_min_time=3000x.
  auto us = [](const timeval& a, const timeval& b) {
    return static_cast<double>(b.tv_sec - a.tv_sec) * 1e6 + static_cast<double>(b.tv_usec - a.tv_usec);
  };
  state.counters["user_us"] =
      benchmark::Counter(us(before.ru_utime, after.ru_utime), benchmark::Counter::kAvgIterations);
  state.counters["sys_us"] =
      benchmark::Counter(us(before.ru_stime, after.ru_stime), benchmark::Counter::kAvgIterations);
}

void BM_ScrapeAllDefault(benchmark::State& state) {
  Scraper scraper = DefaultScraper();
  size_t bytes = 0;
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
