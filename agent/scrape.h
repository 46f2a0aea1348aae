// Runs the enabled collectors for one scrape and adds node_exporter's
// per-collector self metrics. Knows collectors only through the Collector
// interface.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "collectors/metrics.h"

namespace node_agent {

class Scraper {
 public:
  struct Named {
    std::string name;
    std::unique_ptr<Collector> collector;
  };
  // `extra` collectors (process self-metrics, build info) run on every scrape
  // but have no node_scrape_collector_* series and cannot be filtered out.
  Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra);

  // Names of the collectors enabled at start, sorted.
  std::vector<std::string> Names() const;

  // Collects from every enabled collector, or only those in `include` when it
  // is non-empty, minus those in `exclude` (node_exporter's collect[] and
  // exclude[] parameters). Returns false and sets `error` when a name is not
  // an enabled collector. Families come out sorted by name.
  bool Scrape(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
              std::vector<MetricFamily>& out, std::string& error);

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<Collector> collector;
    std::mutex mutex;  // a collector's cached state is used by one scrape at a time
  };
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Collector>> extra_;
  std::mutex extra_mutex_;
};

}  // namespace node_agent
