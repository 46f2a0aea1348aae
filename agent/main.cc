// node-agent: parses flags, builds the enabled collectors, serves /metrics.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <boost/asio/steady_timer.hpp>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "agent/flags.h"
#include "agent/http_server.h"
#include "agent/metrics_handler.h"
#include "agent/ray_sd.h"
#include "agent/scrape.h"
#include "agent/service.h"
#include "agent/web_config_file.h"
#include "agent/version.h"
#include "lib/collector.h"
#include "lib/log.h"
#include "lib/process_self.h"

using namespace node_agent;

namespace {

// SIGTERM/SIGINT: stop accepting, let the requests in progress finish (at
// most kDrain), then exit whatever a handler is doing. SIGHUP: re-read
// --web.config.file.
constexpr auto kDrain = std::chrono::seconds(10);

// nullptr without --web.config.file; throws on an invalid file.
std::unique_ptr<WebConfigFile> LoadWebConfig(const Config& config) {
  if (config.web_config_file.empty()) return nullptr;
  auto web_config = std::make_unique<WebConfigFile>(config.web_config_file);
  auto state = web_config->Current();
  log::Info("Loaded web config", {{"file", config.web_config_file},
                                  {"tls", state->tls ? "true" : "false"},
                                  {"basic_auth_users", std::to_string(state->config.users.size())}});
  return web_config;
}

// The enabled collectors; throws naming the collector that cannot be created.
std::vector<Scraper::Named> CreateCollectors(const Config& config) {
  std::vector<Scraper::Named> collectors;
  for (const auto& name : config.enabled_collectors) {
    const CollectorInfo* info = FindCollector(name);
    try {
      collectors.push_back({name, info->create(config.paths)});
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("collector {}: {}", name, e.what()));
    }
    log::Info("Enabled collector", {{"collector", name}});
  }
  return collectors;
}

MetricsHandler::Options HandlerOptions(const Config& config) {
  MetricsHandler::Options o;
  o.telemetry_path = config.telemetry_path;
  o.exporter_metrics = !config.disable_exporter_metrics;
  o.version = NODE_AGENT_VERSION;
  o.revision = NODE_AGENT_REVISION;
  o.max_requests = config.max_requests;
  o.scrape_timeout = config.scrape_timeout;
  o.scrape_timeout_margin = config.scrape_timeout_margin;
  return o;
}

// Listens on every --web.listen-address; returns the first bound port.
// Throws when one cannot be bound.
unsigned ListenAll(HttpServer& server, const Config& config) {
  unsigned first_port = 0;
  for (const auto& address : config.listen_addresses) {
    auto bound = server.Listen(address);
    if (first_port == 0) first_port = bound.port();
    std::string host = bound.address().to_string();
    if (bound.address().is_v6()) host = "[" + host + "]";
    log::Info("Listening on", {{"address", host + ":" + std::to_string(bound.port())}});
  }
  return first_port;
}

// Discovery is an extra: the node's metrics are still served without it.
std::unique_ptr<RaySdFollower> StartRaySd(const Config& config, unsigned first_port) {
  if (config.ray_sd_file.empty()) return nullptr;
  RaySdFollower::Options o;
  o.sd_file = config.ray_sd_file;
  o.output = config.ray_sd_output;
  o.port = config.ray_sd_port > 0 ? static_cast<unsigned>(config.ray_sd_port) : first_port;
  o.cluster_name = config.ray_cluster_name;
  o.stale_after = std::chrono::duration_cast<std::chrono::milliseconds>(config.ray_sd_stale_after);
  try {
    auto follower = std::make_unique<RaySdFollower>(std::move(o));
    log::Info("Following Ray service discovery", {{"file", config.ray_sd_file}, {"output", config.ray_sd_output}});
    return follower;
  } catch (const std::exception& e) {
    log::Error("cannot follow Ray service discovery", {{"file", config.ray_sd_file}, {"err", e.what()}});
    return nullptr;
  }
}

// Runs `io` until SIGTERM/SIGINT and the drain that follows; reloads the web
// config on SIGHUP.
void RunUntilSignalled(boost::asio::io_context& io, boost::asio::signal_set& signals, HttpServer& server,
                       WebConfigFile* web_config) {
  boost::asio::steady_timer drain_timer(io);
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> drain = [&] {
    if (server.Active() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      if (server.Active() > 0) {
        log::Warn("exiting with requests in progress", {{"count", std::to_string(server.Active())}});
      }
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) drain();
    });
  };
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                              int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      if (web_config) {
        SdNotify("RELOADING=1");
        web_config->Reload();
        SdNotify("READY=1");
      } else {
        log::Info("SIGHUP: no --web.config.file to reload");
      }
      signals.async_wait(on_signal);
      return;
    }
    log::Info("Received signal, shutting down", {{"signal", std::to_string(signo)}});
    SdNotify("STOPPING=1");
    server.Close();
    drain_deadline = std::chrono::steady_clock::now() + kDrain;
    drain();
  };
  signals.async_wait(on_signal);
  io.run();
  // A handler still running past the drain (bcrypt, a stuck scrape) would
  // block the destructors that join the workers: leave without them.
  if (server.Active() > 0) ExitNow(0);
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena for every thread (unless MALLOC_ARENA_MAX says otherwise):
  // the io thread, workers and collector runners rarely allocate at once, and
  // glibc's per-thread cache serves most allocations without the lock.
  if (getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
  // Each scrape frees its response (tens of KiB) at the top of the heap; at
  // glibc's default 128 KiB trim threshold the heap shrank and the next scrape
  // faulted the same pages in again. Freed memory beyond a few MiB is still
  // returned after a large scrape (MetricsHandler's malloc_trim). Fixing the
  // trim threshold also fixes the mmap threshold: raised too, so a large
  // host's response is not an mmap and munmap per scrape.
  if (getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 4 << 20);
  if (getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 4 << 20);
  Config config;
  if (int rc = ParseFlags(argc, argv, config); rc >= 0) return rc;
  log::SetLevel(config.log_level);
  log::SetFormat(config.log_format);

  log::Info("Starting node-agent", {{"version", NODE_AGENT_VERSION}, {"revision", NODE_AGENT_REVISION}});
  for (const auto& flag : config.ignored_flags) {
    log::Warn("Ignoring a node_exporter flag for a feature node-agent does not implement", {{"flag", flag}});
  }
  const long open_files = RaiseOpenFileLimit();
  // Before the collectors: their opens below /proc and /sys start from these.
  KeepPathDirsOpen(config.paths);

  std::unique_ptr<WebConfigFile> web_config;
  std::vector<Scraper::Named> collectors;
  try {
    web_config = LoadWebConfig(config);
    collectors = CreateCollectors(config);
  } catch (const std::exception& e) {
    log::Error("cannot start", {{"err", e.what()}});
    return 1;
  }
  std::vector<std::unique_ptr<Collector>> extra;
  if (!config.disable_exporter_metrics) extra.push_back(NewProcessSelfCollector());
  Scraper scraper(std::move(collectors), std::move(extra));
  MetricsHandler handler(scraper, HandlerOptions(config));

  boost::asio::io_context io(1);
  // Registered before listening: a signal from then on is queued, not fatal.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  HttpServer::Options server_options;
  server_options.max_requests = config.max_requests;
  server_options.overloaded = [&](const HttpRequest&) { return handler.Overloaded(); };
  // Leave descriptors for the collectors' cached files and the listeners.
  server_options.max_connections = static_cast<int>(std::clamp(open_files - 256, 64L, 4096L));
  if (web_config) server_options.web_state = [&] { return web_config->Current(); };
  HttpServer server(io, [&](const HttpRequest& r) { return handler.Handle(r); }, server_options);
  unsigned first_port = 0;
  try {
    first_port = ListenAll(server, config);
  } catch (const std::exception& e) {
    log::Error("cannot start HTTP server", {{"err", e.what()}});
    return 1;
  }
  std::unique_ptr<RaySdFollower> ray_sd = StartRaySd(config, first_port);

  SdNotify("READY=1");
  RunUntilSignalled(io, signals, server, web_config.get());
  return 0;
}
