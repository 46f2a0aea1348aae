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

// Renders our file_sd list: one group per host, targets ["HOST:PORT"] (IPv6
// bracketed), labels job="node" and ray_node_type "head" when the host is in
// `local` (this machine's addresses), "worker" otherwise. Head first, then the
// workers sorted, so the same input always gives the same bytes.
std::string RenderNodeSd(const std::vector<std::string>& hosts, const std::set<std::string>& local,
                         unsigned port);

// This machine's interface addresses (getifaddrs, canonical text form) and
// its hostname.
std::set<std::string> LocalAddresses();

// The name a write in progress to `path` uses: in the same directory (so the
// rename is atomic), hidden, and not ending in ".json", so no file_sd "*.json"
// glob ever picks up a half-written file.
std::string TempPathFor(const std::string& path);

enum class WriteResult { kUnchanged, kWritten, kError };

// Replaces `path` with `content` atomically unless it already holds exactly
// `content`: writes TempPathFor(path), fsyncs, makes it 0644 (a Prometheus
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
