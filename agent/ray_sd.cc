#include "agent/ray_sd.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <thread>

#include "lib/fs.h"
#include "lib/log.h"

namespace node_agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Canonical text of a numeric address of `family`, or nullopt.
std::optional<std::string> CanonicalIp(int family, const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, buf, out, sizeof out)) return std::nullopt;
  return std::string(out);
}

bool ValidPort(std::string_view s) {
  auto port = ParseUint(s);
  return !s.empty() && port && *port >= 1 && *port <= 65535;
}

bool ValidHostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// The host of a Prometheus target "HOST[:PORT]" / "[IPv6][:PORT]", canonical
// (IPs re-printed, hostnames lower-cased) so the same host is one node.
bool TargetHost(const std::string& target, std::string& host, std::string& error) {
  std::string port;
  if (!target.empty() && target[0] == '[') {
    size_t close = target.find(']');
    if (close == std::string::npos) {
      error = "target \"" + target + "\": no closing ']'";
      return false;
    }
    std::string rest = target.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        error = "target \"" + target + "\": expected ':PORT' after ']'";
        return false;
      }
      port = rest.substr(1);
      if (!ValidPort(port)) {
        error = "target \"" + target + "\": bad port";
        return false;
      }
    }
    auto ip = CanonicalIp(AF_INET6, target.substr(1, close - 1));
    if (!ip) {
      error = "target \"" + target + "\": not an IPv6 address in brackets";
      return false;
    }
    host = *ip;
    return true;
  }
  size_t colon = target.find(':');
  if (colon != std::string::npos && target.find(':', colon + 1) != std::string::npos) {
    error = "target \"" + target + "\": an IPv6 address needs brackets ([::1]:PORT)";
    return false;
  }
  host = target.substr(0, colon);
  if (colon != std::string::npos && !ValidPort(target.substr(colon + 1))) {
    error = "target \"" + target + "\": bad port";
    return false;
  }
  if (auto ip = CanonicalIp(AF_INET, host)) {
    host = *ip;
    return true;
  }
  if (!ValidHostname(host)) {
    error = "target \"" + target + "\": not HOST:PORT";
    return false;
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return true;
}

std::string DirOf(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

void FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string Errno(int err) { return std::system_category().message(err); }

}  // namespace

bool ParseRaySd(std::string_view json, std::vector<std::string>& hosts, std::string& error) {
  hosts.clear();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    // An empty or half-written file lands here too.
    error = std::string("not JSON: ") + e.what();
    return false;
  }
  if (!doc.is_array()) {
    error = "not a list of target groups (top level is " + std::string(doc.type_name()) + ")";
    return false;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& group = doc[i];
    std::string where = "target group " + std::to_string(i);
    if (!group.is_object()) {
      error = where + ": not an object";
      return false;
    }
    if (auto labels = group.find("labels"); labels != group.end() && !labels->is_object() && !labels->is_null()) {
      error = where + ": \"labels\" is not an object";
      return false;
    }
    auto targets = group.find("targets");
    if (targets == group.end() || targets->is_null()) continue;  // as Prometheus: no targets
    if (!targets->is_array()) {
      error = where + ": \"targets\" is not a list";
      return false;
    }
    for (const auto& t : *targets) {
      if (!t.is_string()) {
        error = where + ": a target is not a string";
        return false;
      }
      std::string host, target_error;
      if (!TargetHost(t.get<std::string>(), host, target_error)) {
        error = where + ": " + target_error;
        return false;
      }
      seen.insert(host);
    }
  }
  hosts.assign(seen.begin(), seen.end());
  return true;
}

std::string RenderNodeSd(const std::vector<std::string>& hosts, const std::set<std::string>& local,
                         unsigned port, const NodeSdOptions& options) {
  std::vector<std::string> ordered = hosts;
  std::sort(ordered.begin(), ordered.end());
  ordered.erase(std::unique(ordered.begin(), ordered.end()), ordered.end());
  if (options.ray_stopped) {
    // Which workers are still Ray's is unknown; this node's agent still serves.
    std::erase_if(ordered, [&](const std::string& h) { return local.count(h) == 0; });
  }
  std::stable_partition(ordered.begin(), ordered.end(), [&](const std::string& h) { return local.count(h) > 0; });
  nlohmann::json out = nlohmann::json::array();
  for (const auto& host : ordered) {
    // fmt rather than string operator+: GCC 12 warns falsely (-Wrestrict) on the latter.
    std::string address =
        host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
    nlohmann::json labels = {{"job", "node"}, {"ip", host}, {"ray_node_type", local.count(host) ? "head" : "worker"}};
    if (!options.cluster_name.empty()) labels["ray_io_cluster"] = options.cluster_name;
    out.push_back({{"labels", labels}, {"targets", nlohmann::json::array({address})}});
  }
  return out.dump(2) + "\n";
}

std::optional<std::chrono::system_clock::duration> SdFileAge(const std::string& path) {
  struct stat link_st, file_st;
  bool have_link = ::lstat(path.c_str(), &link_st) == 0;
  bool have_file = ::stat(path.c_str(), &file_st) == 0;
  if (!have_link && !have_file) return std::nullopt;
  auto mtime = [](const struct stat& st) {
    return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  };
  auto newest = have_link ? mtime(link_st) : mtime(file_st);
  if (have_file) newest = std::max(newest, mtime(file_st));
  // A file from the future (clock stepped back) counts as fresh.
  return std::max(std::chrono::system_clock::now() - newest, std::chrono::system_clock::duration::zero());
}

std::set<std::string> LocalAddresses() {
  std::set<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr) continue;
      char text[INET6_ADDRSTRLEN];
      const void* addr = nullptr;
      int family = a->ifa_addr->sa_family;
      if (family == AF_INET) addr = &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr;
      if (family == AF_INET6) addr = &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr;
      if (addr && inet_ntop(family, addr, text, sizeof text)) out.insert(text);
    }
    freeifaddrs(list);
  }
  // Ray targets are IPs, but a hostname target naming this machine is the head too.
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) == 0 && name[0]) {
    std::string h = name;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.insert(h);
  }
  return out;
}

std::string TempPathFor(const std::string& path) {
  // Unpredictable: the directory may be world-writable (Ray's /tmp/ray is
  // 0777), and a FIFO or symlink planted at a predictable name would block or
  // redirect the write.
  uint64_t r[2] = {0, 0};
  if (::getrandom(r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r)) {
    r[0] = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
    r[1] = reinterpret_cast<uintptr_t>(&r) ^ static_cast<uint64_t>(::getpid());
  }
  fs::path p(path);
  return (p.parent_path() / fmt::format(".{}.tmp.{:016x}{:016x}", p.filename().string(), r[0], r[1])).string();
}

bool ReadBoundedRegularFile(const std::string& path, size_t max_bytes, bool follow, std::string& out, int& err,
                            std::string& why) {
  out.clear();
  why.clear();
  // O_NONBLOCK: a FIFO (or a device) must not block the open or the read.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    err = errno;
    return false;
  }
  err = 0;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    err = errno;
  } else if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    why = fmt::format("{} bytes, more than the limit of {}", st.st_size, max_bytes);
  } else {
    out.resize(static_cast<size_t>(st.st_size) + 1);
    size_t done = 0;
    // One byte more than the size: a file still growing past the limit is caught too.
    while (done < out.size()) {
      ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
      if (done == out.size() && out.size() <= max_bytes) out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    out.resize(done);
    if (err == 0 && done > max_bytes) why = fmt::format("grew past the limit of {} bytes", max_bytes);
  }
  ::close(fd);
  if (err != 0 || !why.empty()) {
    out.clear();
    return false;
  }
  return true;
}

WriteResult WriteFileIfChanged(const std::string& path, const std::string& content, std::string& error) {
  // Compared with the file, not with what we last wrote: after a restart an
  // unchanged list is not rewritten, and a file someone removed comes back.
  // Never through a link, never more than our content's size.
  std::string current, why;
  int read_err = 0;
  if (ReadBoundedRegularFile(path, content.size(), false, current, read_err, why) && current == content) {
    return WriteResult::kUnchanged;
  }

  std::string tmp;
  auto fail = [&](const std::string& what, int err, int fd) {
    error = what + " " + tmp + ": " + Errno(err);
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return WriteResult::kError;
  };
  // O_EXCL|O_NOFOLLOW: never opens what someone else put at the name (a
  // symlink, a FIFO); O_NONBLOCK in case it is a FIFO all the same.
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    tmp = TempPathFor(path);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    int err = errno;
    tmp = TempPathFor(path);
    error = "cannot create " + tmp + ": " + Errno(err);
    return WriteResult::kError;
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write", errno, fd);
    done += static_cast<size_t>(n);
  }
  // The umask may have taken bits off the 0644 asked for at creation.
  if (::fchmod(fd, 0644) != 0) return fail("cannot chmod", errno, fd);
  // Data on disk before the rename, or a crash could leave an empty file under the final name.
  if (::fsync(fd) != 0) return fail("cannot fsync", errno, fd);
  if (::close(fd) != 0) return fail("cannot close", errno, -1);
  // rename replaces whatever is at `path` (a symlink included) without following it.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path + ": " + Errno(errno);
    ::unlink(tmp.c_str());
    return WriteResult::kError;
  }
  FsyncDir(DirOf(path));
  return WriteResult::kWritten;
}

bool RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return false;
  FsyncDir(DirOf(path));
  return true;
}

// The follower runs on its own thread rather than on the agent's io_context:
// that context has one thread serving scrapes, and fsync on a busy EBS volume
// can take long enough to delay them. A blocking poll() on the inotify
// descriptor and an eventfd (to stop) keeps it self-contained and testable
// without asio.
struct RaySdFollower::Impl {
  Options options;
  std::string output_name;  // our file's name and temp prefix: events on them are ours
  std::string temp_prefix;
  int inotify_fd = -1;
  int stop_fd = -1;
  struct Interest {
    bool all = false;
    std::set<std::string> names;
  };
  std::map<int, Interest> watches;  // inotify watch descriptor -> names that matter in it
  std::optional<Clock::time_point> missing_since;
  bool missing_handled = false;  // the grace period of this absence has ended
  std::string last_problem;  // so a persisting problem is logged once, not every 10 s
  bool ray_stopped = false;   // the last list written said so
  std::thread thread;

  void Run();
  void Rewatch();
  void Sync();
  bool SyncFromFile(std::string& content);
  void SafeSync();
  bool ReadEvents();
  void Problem(std::string_view msg, const std::string& detail);
  void RemoveStaleTemps();
  bool RayStopped();
  std::chrono::milliseconds StaleWakeup(std::chrono::milliseconds timeout) const;
};

RaySdFollower::RaySdFollower(Options options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = std::move(options);
  // Absolute paths, so that looking for the nearest existing parent ends at "/".
  m.options.sd_file = fs::absolute(m.options.sd_file).lexically_normal().string();
  m.options.output = fs::absolute(m.options.output).lexically_normal().string();
  if (!m.options.local_addresses) m.options.local_addresses = LocalAddresses;
  m.output_name = fs::path(m.options.output).filename().string();
  m.temp_prefix = "." + m.output_name + ".tmp.";
  m.inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m.inotify_fd < 0) throw std::system_error(errno, std::system_category(), "inotify_init1");
  m.stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (m.stop_fd < 0) {
    int err = errno;
    ::close(m.inotify_fd);
    throw std::system_error(err, std::system_category(), "eventfd");
  }
  m.thread = std::thread([&m] { m.Run(); });
}

RaySdFollower::~RaySdFollower() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(impl_->stop_fd, &one, sizeof one);
  impl_->thread.join();
  ::close(impl_->inotify_fd);
  ::close(impl_->stop_fd);
}

void RaySdFollower::Impl::Problem(std::string_view msg, const std::string& detail) {
  std::string key = std::string(msg) + detail;
  log::Write(key == last_problem ? log::Level::kDebug : log::Level::kWarn, msg,
             {{"file", options.sd_file}, {"err", detail}});
  last_problem = key;
}

// A process killed between creating its temp file and renaming it leaves the
// temp behind; no glob reads it, but it should not pile up across restarts.
void RaySdFollower::Impl::RemoveStaleTemps() {
  std::string dir = DirOf(options.output);
  for (const auto& name : ListDir(dir)) {
    if (name.rfind(temp_prefix, 0) == 0) ::unlink((dir + "/" + name).c_str());
  }
}

// Watches the directory of Ray's file; if Ray's file is a symlink (newer Ray
// re-creates it on every write, pointing into the session directory) also the
// directory of what it resolves to, where Ray may rewrite the real file
// without touching the link. While the directory does not exist (Ray not
// started yet) the nearest existing parent is watched for the next path
// component instead. Called after every relevant event, so the watches follow
// new sessions, Ray restarts and directories that appear or go.
void RaySdFollower::Impl::Rewatch() {
  std::vector<std::pair<std::string, std::string>> wanted;  // directory, name ("" = any)
  fs::path dir = fs::path(options.sd_file).parent_path();
  if (IsDir(dir.string())) {
    wanted.emplace_back(dir.string(), "");
    struct stat st;
    if (::lstat(options.sd_file.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      if (char* real = ::realpath(options.sd_file.c_str(), nullptr)) {
        fs::path r(real);
        std::free(real);
        wanted.emplace_back(r.parent_path().string(), r.filename().string());
      }
    }
  } else {
    fs::path child = dir;
    fs::path parent = dir.parent_path();
    while (!IsDir(parent.string()) && parent != parent.parent_path()) {
      child = parent;
      parent = parent.parent_path();
    }
    wanted.emplace_back(parent.string(), child.filename().string());
  }

  constexpr uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  std::map<int, Interest> next;
  for (const auto& [path, name] : wanted) {
    int wd = ::inotify_add_watch(inotify_fd, path.c_str(), kMask);
    if (wd < 0) {
      log::Debug("cannot watch directory", {{"dir", path}, {"err", Errno(errno)}});
      continue;  // the poll still catches changes
    }
    // Two paths can be one directory (the same watch): any name then matters.
    Interest& interest = next[wd];
    if (name.empty()) interest.all = true;
    else interest.names.insert(name);
  }
  for (const auto& [wd, interest] : watches) {
    if (!next.count(wd)) ::inotify_rm_watch(inotify_fd, wd);  // EINVAL if the kernel dropped it: fine
  }
  watches = std::move(next);
}

// Drains the inotify queue; true when an event may concern Ray's file.
bool RaySdFollower::Impl::ReadEvents() {
  bool relevant = false;
  alignas(inotify_event) char buf[16 * 1024];
  while (true) {
    ssize_t n = ::read(inotify_fd, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: drained
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        relevant = true;  // lost events, or a watched directory went away
        continue;
      }
      std::string_view name = ev->len ? std::string_view(ev->name) : std::string_view();
      if (name == output_name || name.rfind(temp_prefix, 0) == 0) continue;  // our own writes
      auto it = watches.find(ev->wd);
      if (it == watches.end()) continue;
      if (it->second.all || it->second.names.count(std::string(name))) relevant = true;
    }
  }
  return relevant;
}

void RaySdFollower::Impl::Sync() {
  std::string content;
  const bool read = SyncFromFile(content);
  if (options.on_sync) options.on_sync(read ? &content : nullptr);
}

// Brings our output in line with Ray's file; returns whether it was read
// (into `content`).
bool RaySdFollower::Impl::SyncFromFile(std::string& content) {
  std::string why;
  int err = 0;
  if (!ReadBoundedRegularFile(options.sd_file, kMaxRaySdBytes, true, content, err, why)) {
    if (!why.empty() || (err != ENOENT && err != ENOTDIR)) {
      // The file is there but unusable (unreadable, a FIFO, a loop, too big):
      // keep the last targets, and wait for the next event, not a busy loop.
      missing_since.reset();
      missing_handled = false;
      Problem("cannot read Ray service discovery file, keeping the last targets", why.empty() ? Errno(err) : why);
      return false;
    }
    // Missing, or a symlink into a session directory that is gone.
    auto now = Clock::now();
    if (!missing_since) missing_since = now;
    if (!missing_handled && now - *missing_since >= options.missing_grace) {
      missing_handled = true;  // once: a removal that fails is not retried in a loop
      if (RemoveFile(options.output)) {
        log::Info("Ray service discovery file is gone, removed ours",
                  {{"file", options.sd_file}, {"output", options.output}});
      } else if (errno != ENOENT) {
        Problem("cannot remove service discovery file", options.output + ": " + Errno(errno));
      }
    }
    return false;
  }
  missing_handled = false;
  missing_since.reset();
  std::vector<std::string> hosts;
  std::string error;
  if (!ParseRaySd(content, hosts, error)) {
    Problem("malformed Ray service discovery file, keeping the last targets", error);
    return true;
  }
  NodeSdOptions render{options.cluster_name, RayStopped()};
  const std::set<std::string> local = options.local_addresses();
  std::string rendered = RenderNodeSd(hosts, local, options.port, render);
  size_t targets = render.ray_stopped ? static_cast<size_t>(std::count_if(hosts.begin(), hosts.end(),
                                                                           [&](const auto& h) { return local.count(h); }))
                                      : hosts.size();
  switch (WriteFileIfChanged(options.output, rendered, error)) {
    case WriteResult::kUnchanged:
      break;
    case WriteResult::kWritten:
      log::Info("Wrote Ray service discovery targets",
                {{"output", options.output}, {"targets", std::to_string(targets)},
                 {"ray_stopped", render.ray_stopped ? "true" : "false"}});
      break;
    case WriteResult::kError:
      Problem("cannot write service discovery file", error);
      return true;
  }
  last_problem.clear();
  return true;
}

// Decides, at each sync, whether Ray has stopped: its file outlived
// stale_after without a rewrite. Logs each change of state once.
bool RaySdFollower::Impl::RayStopped() {
  bool stopped = false;
  if (options.stale_after.count() > 0) {
    auto age = SdFileAge(options.sd_file);
    stopped = age && *age > options.stale_after;
  }
  if (stopped != ray_stopped) {
    if (stopped) {
      log::Warn("Ray service discovery file not rewritten, Ray stopped: keeping only this node's target",
                {{"file", options.sd_file}, {"stale_after_ms", std::to_string(options.stale_after.count())}});
    } else {
      log::Info("Ray service discovery file rewritten again: every Ray node's target is back",
                {{"file", options.sd_file}});
    }
  }
  ray_stopped = stopped;
  return stopped;
}

// The poll timeout, shortened so that the thread wakes when Ray's file turns
// stale: no file event marks that moment.
std::chrono::milliseconds RaySdFollower::Impl::StaleWakeup(std::chrono::milliseconds timeout) const {
  if (options.stale_after.count() <= 0 || ray_stopped) return timeout;
  auto age = SdFileAge(options.sd_file);
  if (!age) return timeout;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(options.stale_after - *age) +
              std::chrono::milliseconds(1);
  return std::clamp(left, std::chrono::milliseconds(0), timeout);
}

void RaySdFollower::Impl::Run() {
  RemoveStaleTemps();
  Rewatch();
  SafeSync();
  while (true) {
    auto timeout = options.poll_interval;
    if (missing_since && !missing_handled) {
      // Wake up when the grace period ends, to remove our output then; never
      // a zero timeout, which would spin.
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*missing_since + options.missing_grace -
                                                                        Clock::now()) + std::chrono::milliseconds(1);
      timeout = std::clamp(left, std::chrono::milliseconds(1), timeout);
    }
    timeout = StaleWakeup(timeout);
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
    if (n < 0 && errno != EINTR) {
      log::Error("Ray service discovery follower stopped", {{"err", Errno(errno)}});
      return;
    }
    if (fds[1].revents) return;
    bool relevant = n == 0;  // timed out: the fallback poll, or the end of the grace period
    if (n > 0 && (fds[0].revents & POLLIN)) relevant = ReadEvents() || relevant;
    if (!relevant) continue;
    Rewatch();
    SafeSync();
  }
}

// Nothing in a file anyone can write may end the agent: an exception (a
// std::bad_alloc in the parser) costs this sync only.
void RaySdFollower::Impl::SafeSync() {
  try {
    Sync();
  } catch (const std::exception& e) {
    Problem("cannot process Ray service discovery file, keeping the last targets", e.what());
  }
}

}  // namespace node_agent
