#include "agent/scrape.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "collectors/log.h"

namespace node_agent {

Scraper::Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra)
    : extra_(std::move(extra)) {
  for (auto& c : collectors) {
    auto entry = std::make_unique<Entry>();
    entry->name = std::move(c.name);
    entry->collector = std::move(c.collector);
    entries_.push_back(std::move(entry));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a->name < b->name; });
}

std::vector<std::string> Scraper::Names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e->name);
  return names;
}

bool Scraper::Scrape(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                     std::vector<MetricFamily>& out, std::string& error) {
  auto enabled = [&](const std::string& name) {
    return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e->name == name; });
  };
  for (const auto* list : {&include, &exclude}) {
    for (const auto& name : *list) {
      if (!enabled(name)) {
        error = "missing collector: " + name;
        return false;
      }
    }
  }

  MetricSet set;
  for (auto& entry : entries_) {
    const auto& name = entry->name;
    if (!include.empty() && std::find(include.begin(), include.end(), name) == include.end()) continue;
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;

    bool success = true;
    auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(entry->mutex);
      try {
        entry->collector->Collect(set);
      } catch (const NoDataError& e) {
        success = false;
        log::Debug("collector returned no data", {{"name", name}, {"err", e.what()}});
      } catch (const std::exception& e) {
        success = false;
        log::Error("collector failed", {{"name", name}, {"err", e.what()}});
      }
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    set.Gauge("node_scrape_collector_duration_seconds",
              "node_exporter: Duration of a collector scrape.", {{"collector", name}}, took.count());
    set.Gauge("node_scrape_collector_success",
              "node_exporter: Whether a collector succeeded.", {{"collector", name}}, success ? 1 : 0);
  }
  {
    std::lock_guard<std::mutex> lock(extra_mutex_);
    for (auto& c : extra_) {
      try {
        c->Collect(set);
      } catch (const std::exception& e) {
        log::Error("self-metrics collection failed", {{"err", e.what()}});
      }
    }
  }

  out = set.Take();
  std::sort(out.begin(), out.end(), [](const MetricFamily& a, const MetricFamily& b) { return a.name < b.name; });
  return true;
}

}  // namespace node_agent
