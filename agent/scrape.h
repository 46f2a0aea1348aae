// Runs the enabled collectors for one scrape and adds node_exporter's
// per-collector self metrics. Knows collectors only through the Collector
// interface.
//
// Every collector runs under the scrape's deadline on a small pool of runner
// threads, so a collector whose read blocks (a sleeping hwmon driver, a stuck
// mount) costs only its own data: it reports node_scrape_collector_success 0
// and the rest of the scrape is served on time. Such a collector is "stuck"
// until its Collect returns: later scrapes skip it at once (success 0, no new
// thread), and it is used again as soon as it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/collector.h"
#include "lib/metrics.h"

namespace node_agent {

// The last merge's input, as its family names in the order they came, and
// the order they sorted into. A scrape's collectors add the same families in
// the same order scrape after scrape: comparing the names costs a fraction
// of sorting them.
struct FamilyOrderCache {
  std::mutex mutex;
  std::vector<std::string> names;
  std::vector<uint32_t> order;
};

// Sorts families by name, merging same-named ones in order (as one MetricSet
// would have): how a scrape joins its collectors' families. With `cache`,
// reuses the last order when the names came as last time.
void MergeSortedFamilies(std::vector<EncodedFamily>& families, FamilyOrderCache* cache = nullptr);

class Scraper {
 public:
  using Clock = std::chrono::steady_clock;
  // No deadline (benchmarks, tests of other things).
  static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

  struct Named {
    std::string name;
    std::unique_ptr<Collector> collector;
  };
  struct Options {
    // When no collector of a scrape has finished for this long, the rest of
    // its queue is handed to one more runner thread, so one blocked collector
    // does not hold up those behind it. Longer than any healthy collector
    // takes, so the normal path uses one runner.
    Clock::duration stall = std::chrono::milliseconds(100);
    // Idle runner threads kept for the next scrapes; more exit.
    size_t max_idle_runners = 4;
  };
  // `extra` collectors (process self-metrics, build info) run on every scrape
  // but have no node_scrape_collector_* series and cannot be filtered out.
  Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra);
  Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra, Options options);
  // Does not wait for collectors still stuck: their threads own what they use
  // and exit when the collector returns.
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  // Names of the collectors enabled at start, sorted.
  std::vector<std::string> Names() const;

  // Collects from every enabled collector, or only those in `include` when it
  // is non-empty, minus those in `exclude` (node_exporter's collect[] and
  // exclude[] parameters). Returns false and sets `error` when a name is not
  // an enabled collector. Families come out sorted by name. Returns by
  // `deadline` (plus the time to merge the results); safe to call from
  // several threads at once.
  bool Scrape(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
              std::vector<EncodedFamily>& out, std::string& error, Clock::time_point deadline = kNoDeadline);

  // Runner threads alive now (idle, running, or stuck in a collector).
  size_t RunnerThreads() const;

  struct Entry;
  struct Job;
  struct Pool;

 private:
  void WaitForJob(Job& job, Clock::time_point now);
  void GatherResults(Job& job, std::vector<EncodedFamily>& families);
  void CollectExtra(MetricSet& self);
  std::vector<std::shared_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Collector>> extra_;
  std::mutex extra_mutex_;
  Options options_;
  std::shared_ptr<Pool> pool_;
  FamilyOrderCache order_cache_;
};

}  // namespace node_agent
