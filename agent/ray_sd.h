// Ray discovery follower: turns the Prometheus file_sd list that Ray's head
// node writes (prom_metrics_service_discovery.json, one target per Ray node
// on its random metrics port) into a file_sd list of this agent on every
// node, so the head node's Prometheus finds every node's agent without a
// hand-kept target list.
//
// The parser, renderer and writer are plain functions, unit-tested on their
// own; RaySdFollower ties them to inotify on a thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace node_agent {

// Parses Ray's file_sd JSON: a list of {"labels": {...}, "targets": ["HOST:PORT", ...]}
// groups. On success fills `hosts` with the distinct hosts of every group's
// targets, sorted, IPv6 without brackets and in canonical form ("::1"), and
// returns true; otherwise returns false with `error` saying what is wrong.
bool ParseRaySd(std::string_view json, std::vector<std::string>& hosts, std::string& error);

// What our file_sd list says beyond the hosts.
struct NodeSdOptions {
  // ray_io_cluster label of every target (the label Ray's Grafana dashboards
  // filter on); empty: no such label.
  std::string cluster_name;
  // Ray's file has not been rewritten for longer than Ray's period allows
  // (`ray stop`, a crashed dashboard): only this machine's own targets stay.
  bool ray_stopped = false;
};

// Renders our file_sd list: one group per host, targets ["HOST:PORT"] (IPv6
// bracketed), labels job="node", ip (the host, as Ray's node metrics label
// it: joins node-agent's series with Ray's), ray_node_type "head" when the
// host is in `local` (this machine's addresses), "worker" otherwise, and
// ray_io_cluster when set. Head first, then the workers sorted, so the same
// input always gives the same bytes.
std::string RenderNodeSd(const std::vector<std::string>& hosts, const std::set<std::string>& local,
                         unsigned port, const NodeSdOptions& options = {});

// How long ago `path` was last written: the newer of the link's and the
// target's modification times (newer Ray re-creates a symlink on every write,
// older Ray renames a new file over it). nullopt when it cannot be stat'ed.
std::optional<std::chrono::system_clock::duration> SdFileAge(const std::string& path);

// This machine's interface addresses (getifaddrs, canonical text form) and
// its hostname.
std::set<std::string> LocalAddresses();

// A name a write in progress to `path` may use: in the same directory (so the
// rename is atomic), hidden, not ending in ".json" (no file_sd "*.json" glob
// ever picks up a half-written file), with a random part: a new name each call.
std::string TempPathFor(const std::string& path);

// Ray's file lives in a world-writable directory: anyone may point it at
// /dev/zero or a huge sparse file. Larger files are refused (docs/hardening.md).
inline constexpr size_t kMaxRaySdBytes = 4 << 20;

// Reads `path` if it is a regular file of at most `max_bytes` (through a
// symlink only when `follow`), never blocking on a FIFO. False with `err` the
// errno of open/read, or `why` saying what is wrong with the file.
bool ReadBoundedRegularFile(const std::string& path, size_t max_bytes, bool follow, std::string& out, int& err,
                            std::string& why);

enum class WriteResult { kUnchanged, kWritten, kError };

// Replaces `path` with `content` atomically unless it already holds exactly
// `content`: creates TempPathFor(path) exclusively (O_EXCL, O_NOFOLLOW), fsyncs, makes it 0644 (a Prometheus
// running as another user or in a container reads it), renames it over `path`
// and fsyncs the directory. A reader sees the old file or the new one, never
// a part, even if the process dies at any point.
WriteResult WriteFileIfChanged(const std::string& path, const std::string& content, std::string& error);

// Removes `path` and fsyncs its directory. Returns true when a file was removed.
bool RemoveFile(const std::string& path);

class RaySdFollower {
 public:
  struct Options {
    std::string sd_file;  // Ray's file (may be a symlink; may not exist yet)
    std::string output;   // our file_sd list
    unsigned port = 9100;
    // This machine's addresses; LocalAddresses() by default, tests inject.
    std::function<std::set<std::string>()> local_addresses;
    // Fallback re-read, in case an inotify event is missed (a watch on a
    // directory that was replaced, a network filesystem, queue overflow).
    std::chrono::milliseconds poll_interval{10000};
    // Ray's file must stay missing this long before our output is removed:
    // re-creating a symlink (unlink + symlink) leaves the path missing for an
    // instant, and dropping every target for that instant would make
    // Prometheus flap.
    std::chrono::milliseconds missing_grace{1000};
    // ray_io_cluster label of every target; empty: none.
    std::string cluster_name;
    // Ray rewrites its file every 5 s while its dashboard runs and never
    // removes it on `ray stop`: a file older than this means Ray stopped, and
    // our list keeps only this node's own target. Zero: never.
    std::chrono::milliseconds stale_after{60000};
    // For tests, which wait on it rather than sleep: called on the follower's
    // thread after every sync with what it read from Ray's file (nullptr
    // when missing or unreadable).
    std::function<void(const std::string* content)> on_sync;
  };

  // Starts following on its own thread, which syncs once right away and then
  // on every change. Throws std::system_error when inotify is unavailable.
  explicit RaySdFollower(Options options);
  ~RaySdFollower();  // stops and joins the thread
  RaySdFollower(const RaySdFollower&) = delete;
  RaySdFollower& operator=(const RaySdFollower&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace node_agent
