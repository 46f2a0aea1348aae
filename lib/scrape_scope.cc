#include "lib/scrape_scope.h"

#include <atomic>

namespace node_agent {

namespace {

std::atomic<uint64_t> last_scrape{0};
thread_local uint64_t this_scrape = 0;

}  // namespace

uint64_t NewScrapeNumber() { return last_scrape.fetch_add(1, std::memory_order_relaxed) + 1; }

uint64_t ThisScrape() { return this_scrape; }

ScrapeScope::ScrapeScope(uint64_t scrape) : previous_(this_scrape) { this_scrape = scrape; }

ScrapeScope::~ScrapeScope() { this_scrape = previous_; }

}  // namespace node_agent
