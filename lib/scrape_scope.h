// Which scrape the calling thread collects for. The scraper opens a scope
// around each collector it runs, so the collectors of one scrape can share
// what each of them would read (one link dump for netclass and netdev),
// never across two scrapes. 0 outside a scrape: tests and benchmarks that
// call Collect themselves read afresh every time.
#pragma once

#include <cstdint>

namespace node_agent {

// A new scrape's number, never 0.
uint64_t NewScrapeNumber();

// The scrape of the innermost ScrapeScope open on this thread, or 0.
uint64_t ThisScrape();

class ScrapeScope {
 public:
  explicit ScrapeScope(uint64_t scrape);
  ~ScrapeScope();
  ScrapeScope(const ScrapeScope&) = delete;
  ScrapeScope& operator=(const ScrapeScope&) = delete;

 private:
  uint64_t previous_;
};

}  // namespace node_agent
