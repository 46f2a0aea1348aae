// A small HTTP/1.1 server on Boost.Beast. It knows nothing of metrics: every
// request goes to a Handler. A new connection is owned by an idle worker
// thread, which reads, handles (a scrape may block up to its deadline) and
// answers its requests with no hand-off between threads; a connection
// accepted while every worker is busy stays on the one io thread, which reads
// its requests and queues them for a shared pool, so it is answered — or
// refused with 503 past the request limit — without waiting for a busy
// worker. Limits: connections, requests being handled (503 beyond), request
// head size (431) and time (slowloris), idle keep-alive time, no request body
// (413). docs/hardening.md lists them. Optional TLS and basic auth from
// --web.config.file (agent/web_config_file.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace node_agent {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  // Value of the first header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct WebState;

// One request head parsed from raw bytes and checked as the server does it
// (size limit, no body), for fuzzing and tests: status 0 and complete with the
// request, or the error status the server answers before closing (400, 413,
// 431), or !complete when more bytes are needed.
struct RequestHead {
  bool complete = false;
  unsigned status = 0;
  bool keep_alive = false;
  HttpRequest request;
};
RequestHead ParseRequestHead(std::string_view bytes, size_t max_header_bytes = 16 * 1024);

// Parses a --web.listen-address value: ":9100" (all addresses, IPv6 and IPv4),
// "0.0.0.0:9100", "127.0.0.1:9100", "[::1]:9100", "localhost:9100". Only numeric
// hosts and "localhost" are accepted, so no name service is needed at run time.
// Throws std::invalid_argument with a message naming the value.
struct ListenAddress {
  boost::asio::ip::tcp::endpoint endpoint;
  bool any_host = false;  // ":PORT": bind [::] dual-stack, falling back to 0.0.0.0
};
ListenAddress ParseListenAddress(const std::string& value);

class HttpServer {
 public:
  struct Options {
    size_t max_header_bytes = 16 * 1024;
    // A keep-alive connection waiting for its next request; above Prometheus'
    // usual 1m scrape interval so its connection is reused.
    int idle_timeout_seconds = 120;
    // The whole request head from its first byte (and a TLS handshake): a
    // client trickling bytes (slowloris) is cut off.
    int head_timeout_seconds = 10;
    // Requests being handled or queued for a worker (--web.max-requests);
    // beyond it 503 at once. 0: no limit (still bounded by max_connections).
    int max_requests = 40;
    // Open connections; beyond it the longest-idle connection waiting for a
    // request with nothing received is closed for the new one, and without
    // such a connection the new one is accepted and closed at once.
    int max_connections = 4096;
    // Basic auth checks not answered from the cache, waiting for or running
    // bcrypt (one at a time, on a thread of its own); beyond it 429.
    int max_pending_auth = 4;
    // Worker threads owning connections, started on the first connection; as
    // many again for the pool that serves connections accepted while all of
    // them were busy, started when first needed. 0: min(4, hardware threads).
    int worker_threads = 0;
    // Builds the 503 past max_requests (the handler counts it); empty: a plain 503.
    HttpHandler overloaded;
    // The web config for each new connection (TLS, users, headers); empty:
    // plain HTTP without auth.
    std::function<std::shared_ptr<const WebState>()> web_state;
  };
  HttpServer(boost::asio::io_context& io, HttpHandler handler, Options options);
  ~HttpServer();

  // Starts accepting on an address; throws std::runtime_error naming the
  // address when it cannot bind. Returns the bound endpoint (port 0 picks one).
  boost::asio::ip::tcp::endpoint Listen(const std::string& address);
  // Stops accepting; connections in progress finish their current request.
  void Close();
  // Requests read and not yet answered (for a graceful shutdown).
  int Active() const;
  // Open connections.
  int Connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace node_agent
