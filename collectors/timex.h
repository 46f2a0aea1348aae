// timex collector: the kernel clock's discipline state from adjtimex(2)
// (node_timex_*), read live; no file to parse.
#pragma once

#include <sys/timex.h>

#include <memory>

#include "lib/collector.h"

namespace node_agent {

// Adds the node_timex_* samples for what adjtimex(2) returned: `state` is its
// return value (TIME_OK .. TIME_ERROR) and `tx` the structure it filled.
// Offsets and jitter are in ns when STA_NANO is set in tx.status, else in us.
void AddTimexMetrics(const struct timex& tx, int state, MetricSet& out);

std::unique_ptr<Collector> NewTimexCollector();

}  // namespace node_agent
