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

int main(int argc, char** argv) {
  // One malloc arena for every thread (unless MALLOC_ARENA_MAX says otherwise):
  // the io thread, workers and collector runners each got an arena of their
  // own: RssAnon after 40 concurrent new-connection scrapers 3.05 MB with
  // them, 2.63 MB with one arena. The threads rarely allocate at once,
  // and glibc's per-thread cache serves most allocations without the lock.
  if (getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
  Config config;
  if (int rc = ParseFlags(argc, argv, config); rc >= 0) return rc;
  log::SetLevel(config.log_level);
  log::SetFormat(config.log_format);

  log::Info("Starting node-agent", {{"version", NODE_AGENT_VERSION}, {"revision", NODE_AGENT_REVISION}});
  for (const auto& flag : config.ignored_flags) {
    log::Warn("Ignoring a node_exporter flag for a feature node-agent does not implement", {{"flag", flag}});
  }
  const long open_files = RaiseOpenFileLimit();

  std::unique_ptr<WebConfigFile> web_config;
  if (!config.web_config_file.empty()) {
    try {
      web_config = std::make_unique<WebConfigFile>(config.web_config_file);
    } catch (const std::exception& e) {
      log::Error("invalid --web.config.file", {{"file", config.web_config_file}, {"err", e.what()}});
      return 1;
    }
    auto state = web_config->Current();
    log::Info("Loaded web config", {{"file", config.web_config_file},
                                    {"tls", state->tls ? "true" : "false"},
                                    {"basic_auth_users", std::to_string(state->config.users.size())}});
  }
  std::vector<Scraper::Named> collectors;
  for (const auto& name : config.enabled_collectors) {
    const CollectorInfo* info = FindCollector(name);
    try {
      collectors.push_back({name, info->create(config.paths)});
    } catch (const std::exception& e) {
      log::Error("cannot create collector", {{"collector", name}, {"err", e.what()}});
      return 1;
    }
    log::Info("Enabled collector", {{"collector", name}});
  }
  std::vector<std::unique_ptr<Collector>> extra;
  if (!config.disable_exporter_metrics) extra.push_back(NewProcessSelfCollector());
  Scraper scraper(std::move(collectors), std::move(extra));

  MetricsHandler::Options handler_options;
  handler_options.telemetry_path = config.telemetry_path;
  handler_options.exporter_metrics = !config.disable_exporter_metrics;
  handler_options.version = NODE_AGENT_VERSION;
  handler_options.revision = NODE_AGENT_REVISION;
  handler_options.max_requests = config.max_requests;
  handler_options.scrape_timeout = config.scrape_timeout;
  handler_options.scrape_timeout_margin = config.scrape_timeout_margin;
  MetricsHandler handler(scraper, handler_options);

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
  for (const auto& address : config.listen_addresses) {
    try {
      auto bound = server.Listen(address);
      if (first_port == 0) first_port = bound.port();
      std::string host = bound.address().to_string();
      if (bound.address().is_v6()) host = "[" + host + "]";
      log::Info("Listening on", {{"address", host + ":" + std::to_string(bound.port())}});
    } catch (const std::exception& e) {
      log::Error("cannot start HTTP server", {{"err", e.what()}});
      return 1;
    }
  }

  std::unique_ptr<RaySdFollower> ray_sd;
  if (!config.ray_sd_file.empty()) {
    RaySdFollower::Options o;
    o.sd_file = config.ray_sd_file;
    o.output = config.ray_sd_output;
    o.port = config.ray_sd_port > 0 ? static_cast<unsigned>(config.ray_sd_port) : first_port;
    o.cluster_name = config.ray_cluster_name;
    o.stale_after = config.ray_sd_stale_after;
    try {
      ray_sd = std::make_unique<RaySdFollower>(std::move(o));
      log::Info("Following Ray service discovery",
                {{"file", config.ray_sd_file}, {"output", config.ray_sd_output}});
    } catch (const std::exception& e) {
      // Discovery is an extra: the node's metrics are still served without it.
      log::Error("cannot follow Ray service discovery", {{"file", config.ray_sd_file}, {"err", e.what()}});
    }
  }

  SdNotify("READY=1");

  // SIGTERM/SIGINT: stop accepting, let the requests in progress finish (at
  // most kDrain), exit 0. SIGHUP: re-read --web.config.file.
  constexpr auto kDrain = std::chrono::seconds(10);
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
  return 0;
}
