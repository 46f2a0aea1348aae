// A collector whose behaviour the test sets, and a Scraper of three of them
// (one good, one without data, one failing), for the scrape and handler tests.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/scrape.h"
#include "lib/collector.h"
#include "lib/metrics.h"

namespace node_agent::testing {

// A collector whose behaviour the test sets: emits one gauge, then reports
// no data (marked, or thrown from deep inside) or fails.
class ScriptedCollector : public Collector {
 public:
  enum class Mode { kOk, kNoData, kNoDataThrown, kError };
  ScriptedCollector(std::string family, Mode mode) : family_(std::move(family)), mode_(mode) {}
  void Collect(MetricSet& out) override {
    out.Gauge(family_, "test family", {{"k", "v"}}, 42);
    if (mode_ == Mode::kNoData) return out.SetNoData("nothing here");
    if (mode_ == Mode::kNoDataThrown) throw NoDataError("nothing here either");
    if (mode_ == Mode::kError) throw std::runtime_error("broken");
  }

 private:
  std::string family_;
  Mode mode_;
};

inline Scraper MakeScraper() {
  std::vector<Scraper::Named> c;
  c.push_back({"good", std::make_unique<ScriptedCollector>("node_good", ScriptedCollector::Mode::kOk)});
  c.push_back({"nodata", std::make_unique<ScriptedCollector>("node_nodata", ScriptedCollector::Mode::kNoData)});
  c.push_back({"bad", std::make_unique<ScriptedCollector>("node_bad", ScriptedCollector::Mode::kError)});
  return Scraper(std::move(c), {});
}

}  // namespace node_agent::testing
