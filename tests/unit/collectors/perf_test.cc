#include "collectors/perf.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(PerfFlags, Cpus) {
  EXPECT_EQ(ParsePerfCpus("0"), (std::vector<int>{0}));
  EXPECT_EQ(ParsePerfCpus("0,2-4"), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_EQ(ParsePerfCpus("1-10:5"), (std::vector<int>{1, 6}));
  EXPECT_THROW(ParsePerfCpus("a"), std::invalid_argument);
  EXPECT_THROW(ParsePerfCpus("1,,2"), std::invalid_argument);
  EXPECT_THROW(ParsePerfCpus("1-2-3"), std::invalid_argument);
  EXPECT_THROW(ParsePerfCpus("0-4:0"), std::invalid_argument);
}

TEST(PerfFlags, Tracepoints) {
  auto tps = ParsePerfTracepoints({"sched:sched_switch", "irq:irq_handler_entry"});
  ASSERT_EQ(tps.size(), 2u);
  EXPECT_EQ(tps[1].subsystem, "irq");
  EXPECT_EQ(tps[1].event, "irq_handler_entry");
  EXPECT_THROW(ParsePerfTracepoints({"sched"}), std::invalid_argument);
  EXPECT_THROW(ParsePerfTracepoints({"a:b:c"}), std::invalid_argument);
}

TEST(PerfParse, TracefsMount) {
  EXPECT_EQ(TracefsMount("proc /proc proc rw 0 0\ntracefs /sys/kernel/tracing tracefs rw,nosuid 0 0\n"),
            "/sys/kernel/tracing");
  EXPECT_EQ(TracefsMount("proc /proc proc rw 0 0\n"), "");
}

TEST(PerfParse, Reads) {
  uint64_t raw[4] = {12345, 100, 90, 7};
  std::string_view buf(reinterpret_cast<const char*>(raw), sizeof(raw));
  EXPECT_EQ(ParsePerfRead(buf.substr(0, 24)), 12345u);
  EXPECT_FALSE(ParsePerfRead(buf.substr(0, 16)));
  auto group = ParsePerfGroupRead(buf, 1);  // nr, enabled, running, one value
  ASSERT_TRUE(group);
  EXPECT_EQ((*group)[0], 7u);
  EXPECT_FALSE(ParsePerfGroupRead(buf, 2));
}

TEST(Perf, SoftwareCountersOnCpu0) {
  PerfOptions o;
  o.cpus = "0";
  o.disable_hardware = true;
  o.disable_cache = true;
  std::unique_ptr<Collector> c;
  try {
    c = NewPerfCollector(testing::FixturePaths(""), o);
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "perf_event_open not permitted here: " << e.what();
  }
  MetricSet set;
  c->Collect(set);
  EXPECT_GE(testing::Value(set, "node_perf_context_switches_total", {{"cpu", "0"}}), 0);
  EXPECT_EQ(set.Find("node_perf_page_faults_total")->help, "Number of page faults");
}

TEST(Perf, MissingPmuIsAClearError) {
  PerfOptions o;
  o.cpus = "0";
  o.disable_software = true;
  o.disable_cache = true;
  o.hardware_profilers = {"CpuCycles"};
  try {
    NewPerfCollector(testing::FixturePaths(""), o);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.perf.disable-hardware-profilers"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace node_agent
