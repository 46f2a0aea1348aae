// Families handed back once a response is written: their strings keep their
// capacity for the next scrape's MetricSets, so that at a steady state a
// scrape allocates nothing per family (allocation was most of a family's cost).
#pragma once

#include <vector>

#include "lib/metrics.h"

namespace node_agent {

// Takes the families (leaves `families` empty) into the pool MetricSet draws
// from; the pool's size and bytes are bounded, the rest is freed.
void RecycleFamilies(std::vector<EncodedFamily>& families);

}  // namespace node_agent
