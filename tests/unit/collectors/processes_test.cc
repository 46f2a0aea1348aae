#include "collectors/processes.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr std::string_view kSystemd =
    "1 (systemd) S 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98 54406 13885 20 0 1 0 29 109604864 2507 "
    "18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 0 19 0 0 0 0 0 0 0 0 0 0\n";

std::string Stat(std::string_view pid, std::string_view comm, std::string_view state, int threads) {
  return fmt::format("{} ({}) {} 2 0 0 0 -1 2129984 0 0 0 0 14 0 0 0 20 0 {} 0 24 0 0 18446744073709551615 0 0 0 "
                     "0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                     pid, comm, state, threads);
}

TEST(PidStatParse, StateAndThreads) {
  auto s = ParsePidStatState(kSystemd);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, "S");
  EXPECT_EQ(s->num_threads, 1);
  s = ParsePidStatState(Stat("42", "a) (b", "R", 12));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, "R");
  EXPECT_EQ(s->num_threads, 12);
}

TEST(PidStatParse, Rejects) {
  EXPECT_FALSE(ParsePidStatState(""));
  EXPECT_FALSE(ParsePidStatState("1 systemd S 0 1"));
  EXPECT_FALSE(ParsePidStatState("1 (x)"));
  EXPECT_FALSE(ParsePidStatState("1 (x) S 0 1 1 0 -1"));  // too few fields
  std::string bad = Stat("1", "x", "S", 3);
  bad.replace(bad.find(" 2129984 "), 9, " -2129984 ");  // flags is unsigned
  EXPECT_FALSE(ParsePidStatState(bad));
  bad = Stat("1", "x", "S", 3);
  bad.replace(bad.find(" 24 "), 4, " 2x ");
  EXPECT_FALSE(ParsePidStatState(bad));
}

TEST(ProcUintParse, TrimmedDecimal) {
  EXPECT_EQ(ParseProcUint("4194304\n"), 4194304u);
  EXPECT_FALSE(ParseProcUint("-1\n"));
  EXPECT_FALSE(ParseProcUint("\n"));
}

void WriteLimits(const testing::TempDir& dir) {
  dir.Write("proc/sys/kernel/pid_max", "123\n");
  dir.Write("proc/sys/kernel/threads-max", "7801\n");
}

TEST(Processes, CountsLikeNodeExporter) {
  testing::TempDir dir;
  WriteLimits(dir);
  dir.Write("proc/1/stat", std::string(kSystemd));
  dir.Write("proc/10/stat", Stat("10", "khungtaskd", "S", 1));
  dir.Write("proc/11/stat", Stat("11", "rcu_preempt", "I", 1));
  dir.Write("proc/self", "1");
  MetricSet set;
  NewProcessesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(Value(set, "node_processes_pids"), 3);
  EXPECT_EQ(Value(set, "node_processes_threads"), 3);
  EXPECT_EQ(Value(set, "node_processes_max_processes"), 123);
  EXPECT_EQ(Value(set, "node_processes_max_threads"), 7801);
  EXPECT_EQ(Value(set, "node_processes_state", {{"state", "S"}}), 2);
  EXPECT_EQ(Value(set, "node_processes_state", {{"state", "I"}}), 1);
  // No task directories: no thread states, as node_exporter.
  EXPECT_EQ(set.Find("node_processes_threads_state"), nullptr);
}

TEST(Processes, ThreadStatesFromTasks) {
  testing::TempDir dir;
  WriteLimits(dir);
  dir.Write("proc/100/stat", Stat("100", "worker", "S", 3));
  dir.Write("proc/100/task/100/stat", Stat("100", "worker", "R", 3));  // the process's own state counts
  dir.Write("proc/100/task/101/stat", Stat("101", "worker", "R", 3));
  dir.Write("proc/100/task/102/stat", Stat("102", "worker", "D", 3));
  MetricSet set;
  NewProcessesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(Value(set, "node_processes_threads"), 3);
  EXPECT_EQ(Value(set, "node_processes_threads_state", {{"thread_state", "S"}}), 1);
  EXPECT_EQ(Value(set, "node_processes_threads_state", {{"thread_state", "R"}}), 1);
  EXPECT_EQ(Value(set, "node_processes_threads_state", {{"thread_state", "D"}}), 1);
}

TEST(Processes, VanishedAndMalformedSkipped) {
  testing::TempDir dir;
  WriteLimits(dir);
  dir.Write("proc/1/stat", std::string(kSystemd));
  dir.Write("proc/2/comm", "gone\n");       // no stat: exited between listing and reading
  dir.Write("proc/3/stat", "garbage\n");  // malformed: skipped and logged
  MetricSet set;
  NewProcessesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(Value(set, "node_processes_pids"), 1);
}

TEST(Processes, MissingLimitFails) {
  testing::TempDir dir;
  dir.Write("proc/1/stat", std::string(kSystemd));
  MetricSet set;
  EXPECT_THROW(NewProcessesCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
