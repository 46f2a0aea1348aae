// The "cpu" label values 0..N-1 and the order in which Go's client library
// writes their samples: sorted by the label's text ("0", "1", "10", "11", "2").
// Kept by per-CPU collectors and rebuilt only when the CPU count changes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace node_agent {

class CpuLabelOrder {
 public:
  void Resize(size_t cpus) {
    if (names_.size() == cpus) return;
    names_.clear();
    order_.clear();
    for (size_t i = 0; i < cpus; ++i) {
      names_.push_back(std::to_string(i));
      order_.push_back(i);
    }
    std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return names_[a] < names_[b]; });
  }
  // CPU indices in label order.
  const std::vector<size_t>& order() const { return order_; }
  const std::string& name(size_t cpu) const { return names_[cpu]; }

 private:
  std::vector<std::string> names_;
  std::vector<size_t> order_;
};

}  // namespace node_agent
