// A small HTTP/1.1 server on Boost.Beast: keep-alive, bounded request size,
// idle timeout. It knows nothing of metrics: every request goes to a Handler.
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
    int idle_timeout_seconds = 60;
  };
  HttpServer(boost::asio::io_context& io, HttpHandler handler, Options options);
  ~HttpServer();

  // Starts accepting on an address; throws std::runtime_error naming the
  // address when it cannot bind. Returns the bound endpoint (port 0 picks one).
  boost::asio::ip::tcp::endpoint Listen(const std::string& address);
  // Stops accepting; connections in progress finish their current request.
  void Close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace node_agent
