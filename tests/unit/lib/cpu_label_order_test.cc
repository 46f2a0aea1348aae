// CpuLabelOrder: CPU indices in the order Go writes their "cpu" label values.
#include "lib/cpu_label_order.h"

#include <gtest/gtest.h>

#include <vector>

namespace node_agent {
namespace {

TEST(CpuLabelOrder, SortsByTheLabelsText) {
  CpuLabelOrder cpus;
  cpus.Resize(12);
  EXPECT_EQ(cpus.order(), (std::vector<size_t>{0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(cpus.name(10), "10");
  cpus.Resize(3);  // a CPU count that changes rebuilds both
  EXPECT_EQ(cpus.order(), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(cpus.name(2), "2");
}

}  // namespace
}  // namespace node_agent
