#include "agent/scrape.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <system_error>
#include <thread>

#include "lib/log.h"
#include "lib/scrape_scope.h"

namespace node_agent {

struct Scraper::Entry {
  std::string name;
  std::unique_ptr<Collector> collector;
  // Its node_scrape_collector_* sample lines up to the value, encoded once:
  // every scrape adds two samples per collector.
  std::string duration_prefix;
  std::string success_prefix;
  // A collector's cached state is used by one scrape at a time; a second
  // scrape waits for it, but never past its own deadline.
  std::timed_mutex mutex;
  // Set when a scrape's deadline passed while this collector ran; cleared
  // when that Collect returns. Scrapes skip a stuck collector at once.
  std::atomic<bool> stuck{false};
};

// One scrape's collectors: runners take the next one by an atomic index, the
// scraping thread waits for all of them or the deadline. Shared with the
// runners, so a collector that returns after the deadline writes into a
// result nobody reads any more.
struct Scraper::Job : std::enable_shared_from_this<Scraper::Job> {
  enum class State { kPending, kWaiting, kCollecting, kDone, kAbandoned };
  struct Task {
    std::shared_ptr<Entry> entry;
    State state = State::kPending;
    Clock::time_point start{};
    double seconds = 0;
    bool success = false;
    MetricSet out;
  };
  explicit Job(Clock::time_point d) : deadline(d) {}

  const Clock::time_point deadline;
  const uint64_t number = NewScrapeNumber();  // what its collectors share is shared within it
  std::vector<Task> tasks;
  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards everything below and each Task's state
  std::condition_variable all_finished;
  size_t finished = 0;
  bool expired = false;  // the scrape returned: start nothing more
};

struct Scraper::Pool {
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable thread_exited;
  std::deque<std::shared_ptr<Job>> work;  // one item per runner asked for
  size_t threads = 0;
  size_t idle = 0;
  size_t finishing = 0;  // runners past their job's last task, soon idle
  size_t max_idle = 0;
  bool shutdown = false;
};

namespace {

using Clock = Scraper::Clock;
using Job = Scraper::Job;
using Pool = Scraper::Pool;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr std::string_view kDurationFamily = "node_scrape_collector_duration_seconds";
constexpr std::string_view kSuccessFamily = "node_scrape_collector_success";

// `family{collector="name"} `: a sample line up to its value.
std::string SamplePrefix(std::string_view family, std::string_view collector) {
  std::string out(family);
  out.append("{collector=\"");
  AppendEscapedLabelValue(out, collector);
  out.append("\"} ");
  return out;
}

bool RunCollector(const std::string& name, Collector& collector, MetricSet& out) {
  CollectResult result = RunCollect(collector, out);
  switch (result.status) {
    case CollectStatus::kOk: return true;
    case CollectStatus::kNoData:
      // Every scrape on a node without the subsystem: no fields built unless logged.
      if (log::Enabled(log::Level::kDebug)) {
        log::Debug("collector returned no data", {{"name", name}, {"err", result.message}});
      }
      break;
    case CollectStatus::kFailed: log::Error("collector failed", {{"name", name}, {"err", result.message}}); break;
  }
  return false;
}

// Records a task's outcome; the last one wakes the scraping thread, after
// unlocking, so that it does not wake only to wait for the mutex (a futex
// wait and wake more per scrape). The caller's reference keeps `job` alive.
void Finish(Job& job, Job::Task& task, bool success, Clock::time_point end) {
  std::unique_lock<std::mutex> lock(job.mutex);
  if (task.state == Job::State::kAbandoned) {
    // Returned after its scrape's deadline: the result is dropped and the
    // collector is usable again.
    task.entry->stuck.store(false, std::memory_order_release);
    log::Info("collector returned after the scrape deadline; using it again",
              {{"name", task.entry->name}, {"took", std::to_string(Seconds(end - task.start))}});
  } else {
    task.state = Job::State::kDone;
    task.success = success;
    task.seconds = Seconds(end - task.start);
  }
  if (++job.finished == job.tasks.size()) {
    lock.unlock();
    job.all_finished.notify_one();
  }
}

// Runs `job`'s tasks until its queue is empty. Returns true when it counted
// itself in pool.finishing.
bool RunJob(Pool& pool, Job& job) {
  bool finishing = false;
  // Before the last task's outcome wakes the scraping thread, tell the pool
  // this runner is about to be free, so the next scrape reuses it rather
  // than starting a thread.
  auto finish = [&](Job::Task& task, bool success) {
    if (!finishing && job.next.load(std::memory_order_relaxed) >= job.tasks.size()) {
      std::lock_guard<std::mutex> lock(pool.mutex);
      ++pool.finishing;
      finishing = true;
    }
    Finish(job, task, success, Clock::now());
  };
  for (;;) {
    size_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.tasks.size()) return finishing;
    Job::Task& task = job.tasks[i];
    Scraper::Entry& entry = *task.entry;
    {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (job.expired) return finishing;
      task.state = Job::State::kWaiting;
      task.start = Clock::now();
    }
    bool success = false;
    if (entry.stuck.load(std::memory_order_acquire)) {
      log::Debug("collector still stuck in an earlier scrape; skipped", {{"name", entry.name}});
    } else if (entry.mutex.try_lock_until(job.deadline)) {
      bool run;
      {
        std::lock_guard<std::mutex> lock(job.mutex);
        run = !job.expired;
        if (run) task.state = Job::State::kCollecting;
      }
      if (run) {
        ScrapeScope scope(job.number);
        success = RunCollector(entry.name, *entry.collector, task.out);
      }
      finish(task, success);
      entry.mutex.unlock();
      continue;
    }
    finish(task, success);
  }
}

void RunnerLoop(std::shared_ptr<Pool> pool) {
  std::unique_lock<std::mutex> lock(pool->mutex);
  for (;;) {
    while (pool->work.empty() && !pool->shutdown) {
      // A runner that was stuck comes back to a pool that may have grown
      // meanwhile: keep only a few idle.
      if (pool->idle >= pool->max_idle) break;
      ++pool->idle;
      pool->work_ready.wait(lock);
      --pool->idle;
    }
    if (pool->work.empty()) break;  // shut down, or enough idle runners
    std::shared_ptr<Job> job = std::move(pool->work.front());
    pool->work.pop_front();
    lock.unlock();
    bool finishing = RunJob(*pool, *job);
    job.reset();
    lock.lock();
    if (finishing) --pool->finishing;
  }
  --pool->threads;
  pool->thread_exited.notify_all();
}

// Has one more runner take from `job`'s queue: an idle one, else a new thread.
// An idle runner is woken after the mutex is released, so that it does not
// wake only to block on it (a futex wait and wake more per scrape).
void AddRunner(const std::shared_ptr<Pool>& pool, std::shared_ptr<Job> job) {
  std::unique_lock<std::mutex> lock(pool->mutex);
  pool->work.push_back(std::move(job));
  if (pool->idle + pool->finishing >= pool->work.size()) {
    lock.unlock();
    pool->work_ready.notify_one();
    return;
  }
  try {
    std::thread(RunnerLoop, pool).detach();
    ++pool->threads;
  } catch (const std::system_error& e) {
    // Out of threads: a runner that comes back takes the job, or the scrape
    // reports these collectors failed at its deadline.
    log::Error("cannot start a collector runner thread", {{"err", e.what()}});
  }
}

bool SameNames(const std::vector<std::string>& names, const std::vector<EncodedFamily>& families) {
  return names.size() == families.size() &&
         std::equal(names.begin(), names.end(), families.begin(),
                    [](const std::string& name, const EncodedFamily& f) { return name == f.name; });
}

// Indices by name, ties in input order.
std::vector<uint32_t> SortedOrder(const std::vector<EncodedFamily>& families) {
  std::vector<uint32_t> order(families.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int c = families[a].name.compare(families[b].name);
    return c < 0 || (c == 0 && a < b);
  });
  return order;
}

}  // namespace

// Sorts indices, then moves each family once: a stable_sort of the families
// themselves moved each of them (three strings) a dozen times per scrape.
void MergeSortedFamilies(std::vector<EncodedFamily>& families, FamilyOrderCache* cache) {
  std::vector<uint32_t> order;
  bool cached = false;
  if (cache) {
    std::lock_guard<std::mutex> lock(cache->mutex);
    if (SameNames(cache->names, families)) {
      order = cache->order;
      cached = true;
    }
  }
  if (!cached) {
    order = SortedOrder(families);
    if (cache) {
      std::lock_guard<std::mutex> lock(cache->mutex);
      cache->names.resize(families.size());
      for (size_t i = 0; i < families.size(); ++i) cache->names[i].assign(families[i].name);
      cache->order = order;
    }
  }
  std::vector<EncodedFamily> sorted;
  sorted.reserve(families.size());
  for (uint32_t i : order) {
    EncodedFamily& f = families[i];
    if (!sorted.empty() && sorted.back().name == f.name) {
      sorted.back().samples.append(f.samples);
      sorted.back().count += f.count;
    } else {
      sorted.push_back(std::move(f));
    }
  }
  families = std::move(sorted);
}

// Waits until every task finished or the deadline passed; hands the rest of
// the queue to one more runner whenever no task finished for options_.stall.
void Scraper::WaitForJob(Job& job, Clock::time_point now) {
  std::unique_lock<std::mutex> lock(job.mutex);
  size_t finished_seen = 0;
  Clock::time_point last_progress = now;
  while (job.finished < job.tasks.size()) {
    job.all_finished.wait_until(lock, std::min(job.deadline, last_progress + options_.stall));
    if (job.finished == job.tasks.size()) break;
    now = Clock::now();
    if (now >= job.deadline) break;
    if (job.finished != finished_seen) {
      finished_seen = job.finished;
      last_progress = now;
    } else if (now >= last_progress + options_.stall) {
      if (job.next.load(std::memory_order_relaxed) < job.tasks.size()) {
        lock.unlock();
        AddRunner(pool_, job.shared_from_this());
        lock.lock();
      }
      last_progress = now;
    }
  }
  job.expired = true;
}

// Takes the finished collectors' families, marks those still running stuck,
// and adds the node_scrape_collector_* families.
void Scraper::GatherResults(Job& job, std::vector<EncodedFamily>& families) {
  std::lock_guard<std::mutex> lock(job.mutex);
  Clock::time_point now = Clock::now();
  for (auto& task : job.tasks) {
    const std::string& name = task.entry->name;
    switch (task.state) {
      case Job::State::kDone:
        for (auto& f : task.out.Take()) families.push_back(std::move(f));
        break;
      case Job::State::kCollecting:
        task.state = Job::State::kAbandoned;
        task.entry->stuck.store(true, std::memory_order_release);
        task.seconds = Seconds(now - task.start);
        log::Error("collector did not finish by the scrape deadline; skipped until it returns",
                   {{"name", name}, {"took", std::to_string(task.seconds)}});
        break;
      case Job::State::kWaiting:  // waiting for a concurrent scrape of it
        task.seconds = Seconds(now - task.start);
        break;
      default:  // never started: every runner was stuck
        break;
    }
  }
  families.reserve(families.size() + 2);
  EncodedFamily& duration = families.emplace_back();
  duration.name = kDurationFamily;
  duration.help = "node_exporter: Duration of a collector scrape.";
  duration.type = MetricType::Gauge;
  EncodedFamily& success = families.emplace_back();
  success.name = kSuccessFamily;
  success.help = "node_exporter: Whether a collector succeeded.";
  success.type = MetricType::Gauge;
  for (const auto& task : job.tasks) {
    duration.samples.append(task.entry->duration_prefix);
    AppendDouble(duration.samples, task.seconds);
    duration.samples.push_back('\n');
    success.samples.append(task.entry->success_prefix);
    success.samples.append(task.state == Job::State::kDone && task.success ? "1\n" : "0\n");
  }
  duration.count = success.count = job.tasks.size();
}

void Scraper::CollectExtra(MetricSet& self) {
  std::lock_guard<std::mutex> lock(extra_mutex_);
  for (auto& c : extra_) {
    try {
      c->Collect(self);
    } catch (const std::exception& e) {
      log::Error("self-metrics collection failed", {{"err", e.what()}});
    }
  }
}

Scraper::Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra)
    : Scraper(std::move(collectors), std::move(extra), Options{}) {}

Scraper::Scraper(std::vector<Named> collectors, std::vector<std::unique_ptr<Collector>> extra,
                 Options options)
    : extra_(std::move(extra)), options_(options), pool_(std::make_shared<Pool>()) {
  pool_->max_idle = options_.max_idle_runners;
  for (auto& c : collectors) {
    auto entry = std::make_shared<Entry>();
    entry->name = std::move(c.name);
    entry->collector = std::move(c.collector);
    entry->duration_prefix = SamplePrefix(kDurationFamily, entry->name);
    entry->success_prefix = SamplePrefix(kSuccessFamily, entry->name);
    entries_.push_back(std::move(entry));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a->name < b->name; });
}

Scraper::~Scraper() {
  std::unique_lock<std::mutex> lock(pool_->mutex);
  pool_->shutdown = true;
  pool_->work_ready.notify_all();
  // Idle runners exit at once; those inside a collector cannot be waited for.
  pool_->thread_exited.wait(lock, [&] { return pool_->idle == 0; });
}

size_t Scraper::RunnerThreads() const {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  return pool_->threads;
}

std::vector<std::string> Scraper::Names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e->name);
  return names;
}

bool Scraper::Scrape(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                     std::vector<EncodedFamily>& out, std::string& error, Clock::time_point deadline) {
  auto enabled = [&](const std::string& name) {
    return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e->name == name; });
  };
  for (const auto* list : {&include, &exclude}) {
    for (const auto& name : *list) {
      if (!enabled(name)) {
        error = "missing collector: " + name;
        return false;
      }
    }
  }

  // "No deadline" still has to be a time the clocks can wait until.
  Clock::time_point now = Clock::now();
  deadline = std::min(deadline, now + std::chrono::hours(24 * 365));
  auto job = std::make_shared<Job>(deadline);
  job->tasks.reserve(entries_.size());
  for (auto& entry : entries_) {
    const auto& name = entry->name;
    if (!include.empty() && std::find(include.begin(), include.end(), name) == include.end()) continue;
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    job->tasks.emplace_back().entry = entry;
  }

  std::vector<EncodedFamily> families;
  MetricSet self;
  if (!job->tasks.empty()) {
    AddRunner(pool_, job);
    WaitForJob(*job, now);
    GatherResults(*job, families);
  }
  CollectExtra(self);
  for (auto& f : self.Take()) families.push_back(std::move(f));
  MergeSortedFamilies(families, &order_cache_);
  out = std::move(families);
  return true;
}

}  // namespace node_agent
