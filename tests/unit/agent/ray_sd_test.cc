// Ray discovery: parser of Ray's file_sd list, renderer and atomic writer of
// ours, and the follower on a scratch directory.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "agent/flags.h"
#include "agent/ray_sd.h"
#include "lib/fs.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

namespace fs = std::filesystem;
using testing::LogCapture;
using testing::TempDir;

std::vector<std::string> Hosts(std::string_view json) {
  std::vector<std::string> hosts;
  std::string error;
  EXPECT_TRUE(ParseRaySd(json, hosts, error)) << error;
  return hosts;
}

std::string ParseError(std::string_view json) {
  std::vector<std::string> hosts;
  std::string error;
  EXPECT_FALSE(ParseRaySd(json, hosts, error)) << json;
  EXPECT_TRUE(hosts.empty());
  return error;
}

TEST(RaySdParse, Ipv4DistinctHostsAcrossPortsAndGroups) {
  // Ray's head lists its node, autoscaler and dashboard ports: one host.
  EXPECT_EQ(Hosts(R"([{"labels": {"job": "ray"},
                       "targets": ["10.0.1.5:41234", "10.0.1.5:44217", "10.0.1.5:44227", "10.0.2.7:50001"]},
                      {"labels": {"job": "ray"}, "targets": ["10.0.3.9:50002", "10.0.2.7:50003"]}])"),
            (std::vector<std::string>{"10.0.1.5", "10.0.2.7", "10.0.3.9"}));
}

TEST(RaySdParse, Ipv6AndHostnames) {
  EXPECT_EQ(Hosts(R"([{"targets": ["[::1]:8080", "[0:0::1]:9090", "[2001:DB8::5]:1"]}])"),
            (std::vector<std::string>{"2001:db8::5", "::1"}));
  EXPECT_EQ(Hosts(R"([{"targets": ["ip-10-0-1-5.ec2.internal:8080", "Worker-2:1", "worker-2:2", "bare"]}])"),
            (std::vector<std::string>{"bare", "ip-10-0-1-5.ec2.internal", "worker-2"}));
}

TEST(RaySdParse, EmptyListsAndGroupsWithoutTargets) {
  EXPECT_TRUE(Hosts("[]").empty());
  EXPECT_TRUE(Hosts(" [ ] \n").empty());
  EXPECT_TRUE(Hosts(R"([{"labels": {"job": "ray"}, "targets": []}, {"labels": {}}])").empty());
}

TEST(RaySdParse, GarbageAndHalfWrittenFiles) {
  EXPECT_NE(ParseError("").find("not JSON"), std::string::npos);
  EXPECT_NE(ParseError("garbage").find("not JSON"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"labels": {"job": "ray"}, "targets": ["10.0)").find("not JSON"), std::string::npos);
  EXPECT_NE(ParseError("[]]").find("not JSON"), std::string::npos);
}

TEST(RaySdParse, WrongShapes) {
  EXPECT_NE(ParseError(R"({"targets": ["10.0.0.1:1"]})").find("not a list of target groups"), std::string::npos);
  EXPECT_NE(ParseError(R"("10.0.0.1:1")").find("not a list"), std::string::npos);
  EXPECT_NE(ParseError(R"(["10.0.0.1:1"])").find("target group 0: not an object"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": []}, {"targets": "10.0.0.1:1"}])").find("target group 1: \"targets\" is not a list"),
            std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": [1234]}])").find("not a string"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"labels": ["job"], "targets": []}])").find("\"labels\""), std::string::npos);
}

TEST(RaySdParse, BadTargets) {
  EXPECT_NE(ParseError(R"([{"targets": ["::1:8080"]}])").find("needs brackets"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["[::1:8080"]}])").find("no closing"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["[10.0.0.1]:80"]}])").find("not an IPv6"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["[::1]8080"]}])").find("':PORT'"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["10.0.0.1:http"]}])").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["10.0.0.1:70000"]}])").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["10.0.0.1:"]}])").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": [""]}])").find("not HOST:PORT"), std::string::npos);
  EXPECT_NE(ParseError(R"([{"targets": ["http://10.0.0.1/x"]}])").find("http://10.0.0.1/x"), std::string::npos);
}

TEST(RaySdRender, HeadAndWorkersWithOurPort) {
  EXPECT_EQ(RenderNodeSd({"10.0.2.7", "10.0.1.5"}, {"10.0.1.5", "127.0.0.1"}, 9100),
            R"([
  {
    "labels": {
      "ip": "10.0.1.5",
      "job": "node",
      "ray_node_type": "head"
    },
    "targets": [
      "10.0.1.5:9100"
    ]
  },
  {
    "labels": {
      "ip": "10.0.2.7",
      "job": "node",
      "ray_node_type": "worker"
    },
    "targets": [
      "10.0.2.7:9100"
    ]
  }
]
)");
  EXPECT_EQ(RenderNodeSd({}, {"10.0.1.5"}, 9100), "[]\n");
}

TEST(RaySdRender, ClusterNameLabelsEveryTarget) {
  NodeSdOptions o;
  o.cluster_name = "ray-nodes";
  auto doc = nlohmann::json::parse(RenderNodeSd({"10.0.2.7", "10.0.1.5", "fd00::2"}, {"10.0.1.5"}, 9100, o));
  ASSERT_EQ(doc.size(), 3u);
  for (const auto& g : doc) EXPECT_EQ(g["labels"]["ray_io_cluster"], "ray-nodes") << g;
  // ip is the bare host, also for IPv6, as Ray's node metrics label it.
  EXPECT_EQ(doc[2]["labels"]["ip"], "fd00::2");
  EXPECT_EQ(doc[2]["targets"][0], "[fd00::2]:9100");
  // No cluster name: no such label.
  auto plain = nlohmann::json::parse(RenderNodeSd({"10.0.1.5"}, {"10.0.1.5"}, 9100));
  EXPECT_FALSE(plain[0]["labels"].contains("ray_io_cluster"));
}

TEST(RaySdRender, RayStoppedKeepsOnlyThisNode) {
  NodeSdOptions o;
  o.ray_stopped = true;
  EXPECT_EQ(RenderNodeSd({"10.0.2.7", "10.0.1.5", "10.0.3.1"}, {"10.0.1.5"}, 9100, o),
            RenderNodeSd({"10.0.1.5"}, {"10.0.1.5"}, 9100));
  // Not on the head (no local host in Ray's list): nothing to scrape.
  EXPECT_EQ(RenderNodeSd({"10.0.2.7"}, {"10.0.1.5"}, 9100, o), "[]\n");
}

TEST(RaySdRender, Ipv6BracketedAndDeterministicOrder) {
  std::string a = RenderNodeSd({"10.0.0.9", "fd00::2", "10.0.0.10", "::1", "host-b"}, {"::1"}, 19100);
  std::string b = RenderNodeSd({"host-b", "::1", "10.0.0.10", "fd00::2", "10.0.0.9", "10.0.0.9"}, {"::1"}, 19100);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"[::1]:19100\""), std::string::npos);
  EXPECT_NE(a.find("\"[fd00::2]:19100\""), std::string::npos);
  // The head comes first, then the workers in order; each host once.
  auto pos = [&](const std::string& t) { return a.find("\"" + t + ":19100\""); };
  EXPECT_LT(pos("[::1]"), pos("10.0.0.10"));
  EXPECT_LT(pos("10.0.0.10"), pos("10.0.0.9"));
  EXPECT_LT(pos("10.0.0.9"), pos("[fd00::2]"));
  EXPECT_LT(pos("[fd00::2]"), pos("host-b"));
  EXPECT_EQ(a.find("10.0.0.9:", pos("10.0.0.9") + 2), std::string::npos);
  EXPECT_EQ(a.find("\"head\""), a.rfind("\"head\""));
}

TEST(RaySdRender, LocalAddressesIncludeLoopback) {
  auto local = LocalAddresses();
  EXPECT_TRUE(local.count("127.0.0.1"));
}

struct stat Stat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

TEST(RaySdWrite, AtomicReadableAndNoTempLeft) {
  TempDir dir;
  std::string out = dir.path() + "/node_agent_service_discovery.json";
  std::string tmp = TempPathFor(out);
  EXPECT_EQ(fs::path(tmp).parent_path(), fs::path(out).parent_path());
  EXPECT_EQ(fs::path(tmp).filename().string()[0], '.');
  EXPECT_FALSE(tmp.ends_with(".json"));  // no file_sd glob picks it up

  mode_t old_umask = ::umask(077);
  std::string error;
  EXPECT_EQ(WriteFileIfChanged(out, "[]\n", error), WriteResult::kWritten) << error;
  ::umask(old_umask);
  EXPECT_EQ(ReadFile(out), "[]\n");
  EXPECT_EQ(Stat(out).st_mode & 07777, 0644u);
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"node_agent_service_discovery.json"});
}

TEST(RaySdWrite, UnchangedContentIsNotRewritten) {
  TempDir dir;
  std::string out = dir.path() + "/out.json";
  std::string error;
  ASSERT_EQ(WriteFileIfChanged(out, "one\n", error), WriteResult::kWritten);
  // An mtime in the past, so that any rewrite would show in it.
  const timespec past[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, out.c_str(), past, 0), 0);
  struct stat before = Stat(out);
  EXPECT_EQ(WriteFileIfChanged(out, "one\n", error), WriteResult::kUnchanged);
  struct stat same = Stat(out);
  EXPECT_EQ(same.st_ino, before.st_ino);
  EXPECT_EQ(same.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(same.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

  // A change replaces the file by a rename: a new inode, never an in-place write.
  EXPECT_EQ(WriteFileIfChanged(out, "two\n", error), WriteResult::kWritten);
  EXPECT_NE(Stat(out).st_ino, before.st_ino);
  EXPECT_EQ(ReadFile(out), "two\n");
  EXPECT_EQ(ListDir(dir.path()).size(), 1u);

  EXPECT_TRUE(RemoveFile(out));
  EXPECT_FALSE(Exists(out));
  EXPECT_FALSE(RemoveFile(out));
}

TEST(RaySdWrite, ErrorNamesThePath) {
  std::string error;
  EXPECT_EQ(WriteFileIfChanged("/nonexistent-dir/x/out.json", "[]", error), WriteResult::kError);
  EXPECT_NE(error.find("/nonexistent-dir/x/"), std::string::npos) << error;
}

int ParseArgs(std::vector<const char*> args, Config& config) {
  args.insert(args.begin(), "node-agent");
  ::testing::internal::CaptureStderr();
  int rc = ParseFlags(static_cast<int>(args.size()), args.data(), config);
  ::testing::internal::GetCapturedStderr();
  return rc;
}

TEST(RaySdFlags, DefaultsOverridesAndDisable) {
  Config c;
  ASSERT_EQ(ParseArgs({}, c), -1);
  EXPECT_EQ(c.ray_sd_file, "/tmp/ray/prom_metrics_service_discovery.json");
  EXPECT_EQ(c.ray_sd_output, "/tmp/ray/node_agent_service_discovery.json");
  EXPECT_EQ(c.ray_sd_port, 0);

  Config d;
  ASSERT_EQ(ParseArgs({"--ray.sd-file=/var/ray/sd.json", "--ray.sd-port=19100"}, d), -1);
  EXPECT_EQ(d.ray_sd_output, "/var/ray/node_agent_service_discovery.json");
  EXPECT_EQ(d.ray_sd_port, 19100);

  Config e;
  ASSERT_EQ(ParseArgs({"--ray.sd-output=/srv/sd/nodes.json"}, e), -1);
  EXPECT_EQ(e.ray_sd_output, "/srv/sd/nodes.json");

  Config off;
  ASSERT_EQ(ParseArgs({"--ray.sd-file="}, off), -1);
  EXPECT_TRUE(off.ray_sd_file.empty());
}

TEST(RaySdFlags, ClusterNameAndStaleAfter) {
  Config c;
  ASSERT_EQ(ParseArgs({}, c), -1);
  EXPECT_EQ(c.ray_cluster_name, "");
  EXPECT_EQ(c.ray_sd_stale_after, std::chrono::seconds(60));
  Config d;
  ASSERT_EQ(ParseArgs({"--ray.cluster-name=ray-nodes", "--ray.sd-stale-after=2m30s"}, d), -1);
  EXPECT_EQ(d.ray_cluster_name, "ray-nodes");
  EXPECT_EQ(d.ray_sd_stale_after, std::chrono::seconds(150));
  Config off;
  ASSERT_EQ(ParseArgs({"--ray.sd-stale-after=0"}, off), -1);
  EXPECT_EQ(off.ray_sd_stale_after.count(), 0);
  Config bad;
  EXPECT_GT(ParseArgs({"--ray.sd-stale-after=soon"}, bad), 0);
}

TEST(RaySdFileAge, NewerOfLinkAndTarget) {
  TempDir dir;
  std::string real = dir.path() + "/real.json", link = dir.path() + "/link.json";
  dir.Write("real.json", "[]");
  EXPECT_FALSE(SdFileAge(dir.path() + "/absent.json").has_value());
  auto fresh = SdFileAge(real);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_LT(*fresh, std::chrono::seconds(5));
  // An hour old: the target's mtime set back, then a link re-created now.
  timespec old_times[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, real.c_str(), old_times, 0), 0);
  EXPECT_GT(*SdFileAge(real), std::chrono::minutes(59));
  fs::create_symlink(real, link);
  EXPECT_LT(*SdFileAge(link), std::chrono::seconds(5));
  ASSERT_EQ(::utimensat(AT_FDCWD, link.c_str(), old_times, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_GT(*SdFileAge(link), std::chrono::minutes(59));
}

TEST(RaySdFlags, BadValues) {
  Config c;
  EXPECT_GT(ParseArgs({"--ray.sd-port=70000"}, c), 0);
  Config d;
  EXPECT_GT(ParseArgs({"--ray.sd-file=/tmp/ray/x.json", "--ray.sd-output=/tmp/ray/./x.json"}, d), 0);
}

// --- the follower -----------------------------------------------------------

constexpr auto kDeadline = std::chrono::seconds(5);

bool WaitFor(const std::function<bool()>& pred) {
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Writes as Ray does: a temp file renamed over the target.
void RayWrite(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  { std::ofstream(tmp) << content; }
  fs::rename(tmp, path);
}

std::string RayList(const std::vector<std::string>& targets) {
  std::string s = R"([{"labels": {"job": "ray"}, "targets": [)";
  for (size_t i = 0; i < targets.size(); ++i) s += (i ? ", \"" : "\"") + targets[i] + "\"";
  return s + "]}]";
}

class RaySdFollowerTest : public ::testing::Test {
 protected:
  void Start(std::string sd_file = "", std::chrono::milliseconds stale_after = std::chrono::minutes(1)) {
    RaySdFollower::Options o;
    o.stale_after = stale_after;
    o.sd_file = sd_file.empty() ? ray_file_ : sd_file;
    o.output = output_;
    o.port = 9100;
    o.local_addresses = [] { return std::set<std::string>{"10.0.0.1"}; };
    // Far beyond the test's deadlines: every update below must come from inotify.
    o.poll_interval = std::chrono::seconds(60);
    o.missing_grace = std::chrono::milliseconds(100);
    o.on_sync = [this](const std::string* content) {
      std::lock_guard<std::mutex> lock(sync_mutex_);
      ++syncs_;
      if (content) ++reads_[*content];
    };
    follower_ = std::make_unique<RaySdFollower>(std::move(o));
  }
  std::string Output() { return ReadFile(output_).value_or("<absent>"); }
  bool OutputHas(const std::string& s) { return Output().find(s) != std::string::npos; }
  int Syncs() {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    return syncs_;
  }
  // Times the follower has synced on Ray's file holding exactly `content`.
  int Reads(const std::string& content) {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    auto it = reads_.find(content);
    return it == reads_.end() ? 0 : it->second;
  }

  TempDir dir_;
  std::string ray_file_ = dir_.path() + "/prom_metrics_service_discovery.json";
  std::string output_ = dir_.path() + "/node_agent_service_discovery.json";
  std::mutex sync_mutex_;  // the follower's thread reports its syncs
  int syncs_ = 0;
  std::map<std::string, int> reads_;
  std::unique_ptr<RaySdFollower> follower_;  // last: stopped before the above go
};

TEST_F(RaySdFollowerTest, FileAppearsLaterAndRenamesUpdate) {
  Start();
  ASSERT_TRUE(WaitFor([&] { return Syncs() >= 1; }));  // watching now, the file absent
  EXPECT_FALSE(Exists(output_));
  RayWrite(ray_file_, RayList({"10.0.0.1:41000", "10.0.0.1:44217", "10.0.0.2:41001", "10.0.0.3:41002"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.3:9100"); })) << Output();
  EXPECT_EQ(Output(), RenderNodeSd({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, {"10.0.0.1"}, 9100));
  EXPECT_EQ(Stat(output_).st_mode & 0777, 0644u);

  // A node leaves Ray.
  RayWrite(ray_file_, RayList({"10.0.0.1:41000", "10.0.0.3:41002"}));
  ASSERT_TRUE(WaitFor([&] { return !OutputHas("10.0.0.2:"); })) << Output();
  EXPECT_EQ(Output(), RenderNodeSd({"10.0.0.1", "10.0.0.3"}, {"10.0.0.1"}, 9100));
  // Neither Ray's temp nor ours is left, and nothing else was written.
  EXPECT_EQ(ListDir(dir_.path()),
            (std::vector<std::string>{"node_agent_service_discovery.json", "prom_metrics_service_discovery.json"}));
}

TEST_F(RaySdFollowerTest, DirectoryCreatedAfterStart) {
  std::string ray_dir = dir_.path() + "/tmp/ray";
  output_ = ray_dir + "/node_agent_service_discovery.json";
  Start(ray_dir + "/prom_metrics_service_discovery.json");
  ASSERT_TRUE(WaitFor([&] { return Syncs() >= 1; }));  // watching a parent now
  fs::create_directories(ray_dir);
  RayWrite(ray_dir + "/prom_metrics_service_discovery.json", RayList({"10.0.0.5:1"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.5:9100"); })) << Output();
}

TEST_F(RaySdFollowerTest, SymlinkIntoSessionDirectory) {
  // Newer Ray writes into the session directory and re-creates the path as a
  // symlink on every write; a restart brings a new session directory.
  std::string s1 = dir_.path() + "/session_1", s2 = dir_.path() + "/session_2";
  fs::create_directories(s1);
  fs::create_directories(s2);
  RayWrite(s1 + "/prom_metrics_service_discovery.json", RayList({"10.0.0.1:1", "10.0.0.2:2"}));
  fs::create_symlink(s1 + "/prom_metrics_service_discovery.json", ray_file_);
  Start();
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.2:9100"); })) << Output();

  // The real file changes, the link is not touched: the session directory is watched.
  RayWrite(s1 + "/prom_metrics_service_discovery.json", RayList({"10.0.0.1:1", "10.0.0.4:2"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.4:9100") && !OutputHas("10.0.0.2:"); })) << Output();

  // The link re-created by unlink + symlink, into a new session.
  RayWrite(s2 + "/prom_metrics_service_discovery.json", RayList({"10.0.0.1:1", "10.0.0.6:2"}));
  fs::remove(ray_file_);
  fs::create_symlink(s2 + "/prom_metrics_service_discovery.json", ray_file_);
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.6:9100") && !OutputHas("10.0.0.4:"); })) << Output();

  // The link re-created by a rename of a new link over it.
  RayWrite(s1 + "/prom_metrics_service_discovery.json", RayList({"10.0.0.1:1", "10.0.0.7:2"}));
  fs::create_symlink(s1 + "/prom_metrics_service_discovery.json", ray_file_ + ".lnk");
  fs::rename(ray_file_ + ".lnk", ray_file_);
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.7:9100") && !OutputHas("10.0.0.6:"); })) << Output();

  // And the new session's file updated in place by its own rename.
  RayWrite(s1 + "/prom_metrics_service_discovery.json", RayList({"10.0.0.1:1", "10.0.0.8:2"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.8:9100") && !OutputHas("10.0.0.7:"); })) << Output();

  // The session directory goes away: the dangling link is a missing file.
  fs::remove_all(s1);
  ASSERT_TRUE(WaitFor([&] { return !Exists(output_); }));
}

TEST_F(RaySdFollowerTest, MalformedKeepsLastOutputAndIsLoggedOnce) {
  LogCapture logs;  // outlives the follower, whose thread logs
  RayWrite(ray_file_, RayList({"10.0.0.1:1", "10.0.0.2:2"}));
  Start();
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.2:9100"); })) << Output();
  std::string good = Output();
  ino_t inode = Stat(output_).st_ino;

  // Each write waited for until the follower has synced on its content (a
  // sync triggered by the temp file's creation may still see the old one).
  const std::string half = "[{\"labels\": {\"job\": \"ray\"}, \"targets\": [\"10.0";
  RayWrite(ray_file_, half);  // half-written
  ASSERT_TRUE(WaitFor([&] { return Reads(half) >= 1; }));
  const int half_reads = Reads(half);
  RayWrite(ray_file_, half);  // the same again
  ASSERT_TRUE(WaitFor([&] { return Reads(half) > half_reads; }));
  const std::string bad_target = RayList({"10.0.0.1:1", "not a target"});
  RayWrite(ray_file_, bad_target);
  ASSERT_TRUE(WaitFor([&] { return Reads(bad_target) >= 1; }));
  EXPECT_EQ(Output(), good);
  EXPECT_EQ(Stat(output_).st_ino, inode);

  RayWrite(ray_file_, RayList({"10.0.0.1:1", "10.0.0.3:2"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.3:9100"); })) << Output();
  follower_.reset();
  EXPECT_EQ(logs.Warnings("malformed Ray service discovery file"), 2u);
  EXPECT_EQ(logs.Warnings("not JSON"), 1u);
  EXPECT_EQ(logs.Warnings("not a target"), 1u);
  size_t written = 0;
  for (const auto& r : logs.records()) {
    if (r.find("level=info") != std::string::npos && r.find("Wrote Ray service discovery targets") != std::string::npos) {
      ++written;
      EXPECT_NE(r.find("targets=2"), std::string::npos) << r;
    }
  }
  EXPECT_EQ(written, 2u);
}

TEST_F(RaySdFollowerTest, RemovalRemovesOutputAndRestartRecreatesIt) {
  RayWrite(ray_file_, RayList({"10.0.0.2:2"}));
  Start();
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.2:9100"); })) << Output();
  fs::remove(ray_file_);
  ASSERT_TRUE(WaitFor([&] { return !Exists(output_); }));
  // Ray restarts.
  RayWrite(ray_file_, RayList({"10.0.0.9:2"}));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.9:9100"); })) << Output();
}

// `ray stop` leaves Ray's file behind, unrewritten: once it is older than
// stale_after only the head's own target stays; Ray's next write brings the
// workers back. No file event marks the moment it turns stale, and the
// fallback poll is far off: the follower must wake up for it by itself.
TEST_F(RaySdFollowerTest, RayStoppedKeepsOnlyTheHeadUntilRayWritesAgain) {
  auto all = RayList({"10.0.0.1:41000", "10.0.0.2:41001", "10.0.0.3:41002"});
  RayWrite(ray_file_, all);
  Start("", std::chrono::milliseconds(400));
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.3:9100"); })) << Output();
  ASSERT_TRUE(WaitFor([&] { return !OutputHas("10.0.0.2:") && !OutputHas("10.0.0.3:"); })) << Output();
  NodeSdOptions stopped;
  stopped.ray_stopped = true;
  EXPECT_EQ(Output(), RenderNodeSd({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, {"10.0.0.1"}, 9100, stopped));
  RayWrite(ray_file_, all);
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.3:9100"); })) << Output();
  EXPECT_EQ(Output(), RenderNodeSd({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, {"10.0.0.1"}, 9100));
}

// An old file at start (a head whose /tmp survived a reboot, Ray not started
// again) is Ray stopped from the first write on.
TEST_F(RaySdFollowerTest, OldFileAtStartIsRayStopped) {
  RayWrite(ray_file_, RayList({"10.0.0.1:41000", "10.0.0.2:41001"}));
  timespec old_times[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, ray_file_.c_str(), old_times, 0), 0);
  Start();
  ASSERT_TRUE(WaitFor([&] { return OutputHas("10.0.0.1:9100"); })) << Output();
  EXPECT_FALSE(OutputHas("10.0.0.2:")) << Output();
}

TEST_F(RaySdFollowerTest, StaleOutputAndTempsFromAnEarlierRunAreCleaned) {
  dir_.Write("node_agent_service_discovery.json", "[]\n");
  dir_.Write(".node_agent_service_discovery.json.tmp.999999", "[{\"tar");
  Start();  // no Ray file: our old output goes after the grace period
  ASSERT_TRUE(WaitFor([&] { return ListDir(dir_.path()).empty(); }));
}

}  // namespace
}  // namespace node_agent
