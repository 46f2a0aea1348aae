// node-agent: parses flags, builds the enabled collectors, serves /metrics.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <exception>

#include "agent/flags.h"
#include "agent/http_server.h"
#include "agent/metrics_handler.h"
#include "agent/ray_sd.h"
#include "agent/scrape.h"
#include "agent/version.h"
#include "collectors/collector.h"
#include "collectors/log.h"
#include "collectors/process_self.h"

using namespace node_agent;

int main(int argc, char** argv) {
  Config config;
  if (int rc = ParseFlags(argc, argv, config); rc >= 0) return rc;
  log::SetLevel(config.log_level);
  log::SetFormat(config.log_format);

  log::Info("Starting node-agent", {{"version", NODE_AGENT_VERSION}, {"revision", NODE_AGENT_REVISION}});
  for (const auto& flag : config.ignored_flags) {
    log::Warn("Ignoring a node_exporter flag for a feature node-agent does not implement", {{"flag", flag}});
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
  HttpServer server(io, [&](const HttpRequest& r) { return handler.Handle(r); }, HttpServer::Options{});
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
    try {
      ray_sd = std::make_unique<RaySdFollower>(std::move(o));
      log::Info("Following Ray service discovery",
                {{"file", config.ray_sd_file}, {"output", config.ray_sd_output}});
    } catch (const std::exception& e) {
      // Discovery is an extra: the node's metrics are still served without it.
      log::Error("cannot follow Ray service discovery", {{"file", config.ray_sd_file}, {"err", e.what()}});
    }
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::Info("Received signal, shutting down", {{"signal", std::to_string(signo)}});
    server.Close();
    io.stop();
  });
  io.run();
  return 0;
}
