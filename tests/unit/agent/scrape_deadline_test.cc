// Collector deadlines: a blocked collector costs only its own data, is not
// entered again while stuck, recovers when its read returns, and leaves no
// threads or descriptors behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "agent/flags.h"
#include "agent/metrics_handler.h"
#include "agent/scrape.h"
#include "collectors/hwmon/hwmon.h"
#include "collectors/loadavg.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using namespace std::chrono_literals;
using Clock = Scraper::Clock;
using testing::FixturePath;
using testing::FixturePaths;
using testing::TempDir;

size_t CountEntries(const char* dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
size_t ThreadCount() { return CountEntries("/proc/self/task"); }
size_t FdCount() { return CountEntries("/proc/self/fd"); }

double Success(const std::vector<EncodedFamily>& fams, const std::string& collector) {
  return testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", collector}});
}
double Duration(const std::vector<EncodedFamily>& fams, const std::string& collector) {
  return testing::ScrapedValue(fams, "node_scrape_collector_duration_seconds", {{"collector", collector}});
}

// Stands in for an attribute whose driver sleeps: open() of a FIFO without
// O_NONBLOCK really blocks until a writer appears (fs.h's helpers open with
// O_NONBLOCK, so no real collector blocks on a FIFO). Once read, the value is
// kept, like an attribute read once.
class FifoReaderCollector : public Collector {
 public:
  explicit FifoReaderCollector(std::string path, std::atomic<int>* calls = nullptr)
      : path_(std::move(path)), calls_(calls) {}
  void Collect(MetricSet& out) override {
    if (calls_) ++*calls_;
    if (value_.empty()) {
      int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("open " + path_);
      char buf[64];
      ssize_t n = ::read(fd, buf, sizeof buf);
      ::close(fd);
      value_.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
    out.Gauge("node_test_fifo_value", "test", {}, std::stod(value_));
  }

 private:
  std::string path_;
  std::atomic<int>* calls_;
  std::string value_;
};

// Blocks in Collect until released (or sleeps a fixed time), counting calls.
class LatchCollector : public Collector {
 public:
  void Collect(MetricSet& out) override {
    ++calls;
    std::unique_lock<std::mutex> lock(mutex_);
    released_.wait(lock, [&] { return open_; });
    out.Gauge("node_test_latch", "test", {}, 1);
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    released_.notify_all();
  }
  std::atomic<int> calls{0};

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool open_ = false;
};

class GaugeCollector : public Collector {
 public:
  explicit GaugeCollector(std::string family) : family_(std::move(family)) {}
  void Collect(MetricSet& out) override { out.Gauge(family_, "test", {}, 7); }

 private:
  std::string family_;
};

// A Collector owned by the Scraper but driven by the test.
class Borrowed : public Collector {
 public:
  explicit Borrowed(Collector& c) : c_(c) {}
  void Collect(MetricSet& out) override { c_.Collect(out); }

 private:
  Collector& c_;
};

void MakeFifo(const std::string& path) {
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0) << path;
}

std::vector<EncodedFamily> ScrapeBy(Scraper& scraper, Clock::time_point deadline,
                                   const std::vector<std::string>& include = {}) {
  std::vector<EncodedFamily> fams;
  std::string error;
  EXPECT_TRUE(scraper.Scrape(include, {}, fams, error, deadline)) << error;
  return fams;
}

// The acceptance test of issue 7: a fixture tree whose hwmon temp1_input is a
// FIFO, beside a collector that blocks on a FIFO.
TEST(ScrapeDeadline, BlockedCollectorFailsAloneStaysFlatAndRecovers) {
  TempDir dir;
  std::filesystem::copy(FixturePath("hwmon"), dir.path(),
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  std::filesystem::copy(FixturePath("loadavg/ec2"), dir.path(), std::filesystem::copy_options::recursive);
  const std::string chip = dir.path() + "/sys/devices/platform/coretemp.0/hwmon/hwmon0";
  MakeFifo(chip + "/temp1_input");
  const std::string blocker = dir.path() + "/blocker";
  MakeFifo(blocker);

  Paths paths = FixturePaths(dir.path());
  std::vector<Scraper::Named> named;
  // Construction reads the tree too: it must not hang on the FIFO.
  named.push_back({"hwmon", NewHwmonCollector(paths, HwmonOptions{})});
  named.push_back({"loadavg", NewLoadavgCollector(paths)});
  named.push_back({"blocked", std::make_unique<FifoReaderCollector>(blocker)});
  Scraper::Options options;
  options.stall = 20ms;
  Scraper scraper(std::move(named), {}, options);

  auto start = Clock::now();
  auto fams = ScrapeBy(scraper, start + 1s);
  auto took = Clock::now() - start;
  EXPECT_LT(took, 2s) << "the scrape must answer by its deadline";
  EXPECT_EQ(Success(fams, "blocked"), 0);
  EXPECT_GE(Duration(fams, "blocked"), 0.9);  // up to the deadline
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_fifo_value", {}), -1);
  // Every other collector's data is there; the FIFO sensor is left out like
  // any unreadable attribute, the chip's other sensors are served.
  EXPECT_EQ(Success(fams, "loadavg"), 1);
  EXPECT_GT(testing::ScrapedValue(fams, "node_load1", {}), 0);
  EXPECT_EQ(Success(fams, "hwmon"), 1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_hwmon_temp_celsius", {{"chip", "platform_coretemp_0"}, {"sensor", "temp1"}}), -1);
  EXPECT_GT(testing::ScrapedValue(fams, "node_hwmon_temp_celsius", {{"chip", "platform_coretemp_0"}, {"sensor", "temp2"}}), 0);

  // 100 more scrapes: the stuck collector is skipped, nothing piles up.
  const size_t threads = ThreadCount(), fds = FdCount();
  for (int i = 0; i < 100; ++i) {
    fams = ScrapeBy(scraper, Clock::now() + 1s);
    ASSERT_EQ(Success(fams, "blocked"), 0) << i;
    ASSERT_EQ(Success(fams, "loadavg"), 1) << i;
    ASSERT_EQ(Success(fams, "hwmon"), 1) << i;
  }
  EXPECT_EQ(ThreadCount(), threads);
  EXPECT_EQ(FdCount(), fds);
  EXPECT_LE(scraper.RunnerThreads(), 2u);  // the stuck one and one runner

  // A writer appears: the read returns and the collector is used again.
  int writer = ::open(blocker.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "42\n", 3), 3);
  ::close(writer);
  bool recovered = false;
  for (int i = 0; i < 200 && !recovered; ++i) {
    fams = ScrapeBy(scraper, Clock::now() + 1s);
    recovered = Success(fams, "blocked") == 1;
    if (!recovered) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(recovered);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_fifo_value", {}), 42);
}

TEST(ScrapeDeadline, SlowCollectorDoesNotHoldUpThoseAfterIt) {
  LatchCollector slow;
  std::vector<Scraper::Named> named;
  named.push_back({"a_slow", std::make_unique<Borrowed>(slow)});  // first in the queue
  named.push_back({"b_fast", std::make_unique<GaugeCollector>("node_test_b")});
  named.push_back({"c_fast", std::make_unique<GaugeCollector>("node_test_c")});
  Scraper::Options options;
  options.stall = 20ms;
  Scraper scraper(std::move(named), {}, options);

  auto fams = ScrapeBy(scraper, Clock::now() + 1s);
  EXPECT_EQ(Success(fams, "a_slow"), 0);
  EXPECT_EQ(Success(fams, "b_fast"), 1);
  EXPECT_EQ(Success(fams, "c_fast"), 1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_b", {}), 7);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_c", {}), 7);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_latch", {}), -1);
  slow.Release();
}

TEST(ScrapeDeadline, StuckCollectorIsNotEnteredAgainUntilItReturns) {
  LatchCollector slow;
  std::vector<Scraper::Named> named;
  named.push_back({"slow", std::make_unique<Borrowed>(slow)});
  Scraper scraper(std::move(named), {});

  auto fams = ScrapeBy(scraper, Clock::now() + 200ms);
  EXPECT_EQ(Success(fams, "slow"), 0);
  size_t threads = 0;
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    fams = ScrapeBy(scraper, start + 5s);
    EXPECT_LT(Clock::now() - start, 2500ms) << "a stuck collector is skipped at once, not waited for";
    EXPECT_EQ(Success(fams, "slow"), 0);
    EXPECT_EQ(slow.calls, 1);
    // The stuck thread and one runner for the scrapes; no thread per scrape.
    if (i == 0) threads = ThreadCount();
    EXPECT_EQ(ThreadCount(), threads);
  }

  slow.Release();
  bool recovered = false;
  for (int i = 0; i < 200 && !recovered; ++i) {
    fams = ScrapeBy(scraper, Clock::now() + 1s);
    recovered = Success(fams, "slow") == 1;
    if (!recovered) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(recovered);
  EXPECT_EQ(slow.calls, 2);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_test_latch", {}), 1);
}

// Two scrapes of one collector: the second waits for the first's use of it,
// but only until its own deadline, and that wait does not mark it stuck.
TEST(ScrapeDeadline, ConcurrentScrapeWaitsForTheCollectorOnlyUntilItsDeadline) {
  LatchCollector slow;
  std::vector<Scraper::Named> named;
  named.push_back({"slow", std::make_unique<Borrowed>(slow)});
  named.push_back({"fast", std::make_unique<GaugeCollector>("node_test_fast")});
  Scraper scraper(std::move(named), {});

  auto first = std::async(std::launch::async, [&] { return ScrapeBy(scraper, Clock::now() + 10s); });
  for (int i = 0; i < 500 && slow.calls == 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(slow.calls, 1);
  auto second = ScrapeBy(scraper, Clock::now() + 200ms);
  EXPECT_EQ(Success(second, "slow"), 0);
  EXPECT_EQ(Success(second, "fast"), 1);
  EXPECT_EQ(slow.calls, 1);

  slow.Release();
  auto fams = first.get();
  EXPECT_EQ(Success(fams, "slow"), 1);
  fams = ScrapeBy(scraper, Clock::now() + 1s, {"slow"});
  EXPECT_EQ(Success(fams, "slow"), 1);
  EXPECT_EQ(slow.calls, 2);
}

TEST(ScrapeDeadline, NormalScrapeReusesOneRunner) {
  std::vector<Scraper::Named> named;
  named.push_back({"a", std::make_unique<GaugeCollector>("node_test_a")});
  named.push_back({"b", std::make_unique<GaugeCollector>("node_test_b")});
  Scraper scraper(std::move(named), {});
  for (int i = 0; i < 20; ++i) {
    auto fams = ScrapeBy(scraper, Clock::now() + 5s);
    ASSERT_EQ(Success(fams, "a"), 1);
    ASSERT_EQ(testing::ScrapedValue(fams, "node_test_b", {}), 7);
  }
  EXPECT_EQ(scraper.RunnerThreads(), 1u);
}

TEST(ScrapeTimeout, FollowsPrometheusHeaderLessMargin) {
  const std::chrono::nanoseconds margin = 500ms, fallback = 10s;
  EXPECT_EQ(ScrapeTimeout("10", margin, fallback), 9500ms);
  EXPECT_EQ(ScrapeTimeout("2.5", margin, fallback), 2s);
  EXPECT_EQ(ScrapeTimeout(" 3 ", margin, fallback), 2500ms);
  // A short timeout keeps at least half of itself.
  EXPECT_EQ(ScrapeTimeout("0.5", margin, fallback), 250ms);
  for (const char* bad : {"", "abc", "0", "-1", "nan", "inf", "1e400", "10s", "1,5"}) {
    EXPECT_EQ(ScrapeTimeout(bad, margin, fallback), fallback) << bad;
  }
}

TEST(ScrapeTimeout, HandlerAppliesTheHeaderToTheScrape) {
  LatchCollector slow;
  std::vector<Scraper::Named> named;
  named.push_back({"slow", std::make_unique<Borrowed>(slow)});
  Scraper scraper(std::move(named), {});
  MetricsHandler::Options options;
  options.scrape_timeout = 60s;  // would outlast the test: the header must win
  MetricsHandler handler(scraper, options);
  HttpRequest request{"GET", "/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", "0.8"}}};
  auto start = Clock::now();
  HttpResponse res = handler.Handle(request);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(res.status, 200u);
  EXPECT_NE(res.body.find("node_scrape_collector_success{collector=\"slow\"} 0"), std::string::npos);
  slow.Release();
}

TEST(ScrapeTimeout, Flags) {
  Config defaults;
  const char* none[] = {"node-agent"};
  ASSERT_EQ(ParseFlags(1, none, defaults), -1);
  EXPECT_EQ(defaults.scrape_timeout, 10s);
  EXPECT_EQ(defaults.scrape_timeout_margin, 500ms);
  Config set;
  const char* args[] = {"node-agent", "--scrape.timeout=2.5s", "--scrape.timeout-margin=0s"};
  ASSERT_EQ(ParseFlags(3, args, set), -1);
  EXPECT_EQ(set.scrape_timeout, 2500ms);
  EXPECT_EQ(set.scrape_timeout_margin, 0s);
  ::testing::internal::CaptureStderr();
  for (const char* bad : {"--scrape.timeout=10", "--scrape.timeout=0s", "--scrape.timeout-margin=-1s"}) {
    Config c;
    const char* argv[] = {"node-agent", bad};
    EXPECT_GT(ParseFlags(2, argv, c), 0) << bad;
  }
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--scrape.timeout:"), std::string::npos) << err;
  EXPECT_NE(err.find("--scrape.timeout-margin:"), std::string::npos) << err;
}

// Collector construction at agent start reads names and labels: FIFOs there
// must not hang the start (fs.h opens with O_NONBLOCK).
TEST(ScrapeDeadline, HwmonStartsAndScrapesOnFifos) {
  TempDir dir;
  std::filesystem::copy(FixturePath("hwmon"), dir.path(),
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  const std::string chip = dir.path() + "/sys/devices/platform/coretemp.0/hwmon/hwmon0";
  for (const char* f : {"/name", "/temp1_label", "/temp1_input", "/temp2_label"}) MakeFifo(chip + f);
  // On a thread of its own, detached, so a hang fails the test rather than hanging it.
  std::packaged_task<MetricSet(Paths)> task([](Paths paths) {
    MetricSet set;
    NewHwmonCollector(paths, HwmonOptions{})->Collect(set);
    return set;
  });
  auto collected = task.get_future();
  std::thread(std::move(task), FixturePaths(dir.path())).detach();
  ASSERT_EQ(collected.wait_for(5s), std::future_status::ready) << "hwmon blocked on a FIFO";
  MetricSet set = collected.get();
  EXPECT_GT(testing::SampleCount(set, "node_hwmon_temp_celsius"), 0u);
}

}  // namespace
}  // namespace node_agent
