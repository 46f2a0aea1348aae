#include "agent/http_server.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <boost/asio/ip/v6_only.hpp>
#include <stdexcept>
#include <strings.h>

#include "collectors/log.h"

namespace node_agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

ListenAddress ParseListenAddress(const std::string& value) {
  auto bad = [&](std::string_view why) {
    return std::invalid_argument(fmt::format("--web.listen-address: invalid address '{}': {}", value, why));
  };
  auto colon = value.rfind(':');
  if (colon == std::string::npos) throw bad("want HOST:PORT or :PORT");
  std::string host = value.substr(0, colon);
  std::string port_text = value.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    throw bad("port must be a number from 0 to 65535");
  }
  ListenAddress out;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    out.any_host = true;
    out.endpoint = tcp::endpoint(asio::ip::address_v6::any(), static_cast<unsigned short>(port));
    return out;
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code addr_ec;
  auto addr = asio::ip::make_address(host, addr_ec);
  if (addr_ec) throw bad("host must be an IP address or localhost");
  out.endpoint = tcp::endpoint(addr, static_cast<unsigned short>(port));
  return out;
}

namespace {

// What every session needs from the server; shared so a session outliving
// the server object stays valid.
struct ServerShared {
  HttpHandler handler;
  HttpServer::Options options;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const ServerShared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(64 * 1024);  // GET/HEAD carry no body; refuse large ones
    stream_.expires_after(std::chrono::seconds(shared_->options.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      Shutdown();
      return;
    }
    if (ec) {
      // A malformed or oversized request: answer 400/431 and close.
      unsigned status = ec == http::error::header_limit ? 431 : 400;
      if (ec == http::error::body_limit) status = 413;
      auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\n";
      res->keep_alive(false);
      res->prepare_payload();
      Write(res, true);
      return;
    }
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    HttpResponse response;
    try {
      response = shared_->handler(request);
    } catch (const std::exception& e) {
      log::Error("request handler failed", {{"err", e.what()}});
      response = HttpResponse{500, "text/plain; charset=utf-8", {}, "internal server error\n"};
    }
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status),
                                                                   req.version());
    res->set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    if (head) {
      // HEAD: the headers GET would send, Content-Length included, no body.
      res->content_length(response.body.size());
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    Write(res, !keep_alive, head);
  }

  void Write(std::shared_ptr<http::response<http::string_body>> res, bool close, bool head = false) {
    auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
    if (head) {
      http::async_write_header(stream_, *sr,
                               [self = shared_from_this(), res, sr, close](beast::error_code ec, std::size_t) {
                                 self->OnWrite(ec, close);
                               });
    } else {
      http::async_write(stream_, *sr,
                        [self = shared_from_this(), res, sr, close](beast::error_code ec, std::size_t) {
                          self->OnWrite(ec, close);
                        });
    }
  }

  void OnWrite(beast::error_code ec, bool close) {
    if (ec || close) {
      Shutdown();
      return;
    }
    Read();
  }

  void Shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const ServerShared> shared_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler h, Options o)
      : io(io), shared(std::make_shared<ServerShared>(ServerShared{std::move(h), o})) {}

  void Accept(std::shared_ptr<tcp::acceptor> acceptor) {
    acceptor->async_accept(asio::make_strand(io), [self = shared_from_this(), acceptor](
                                                      beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        std::make_shared<Session>(std::move(socket), self->shared)->Start();
      } else {
        log::Warn("accept failed", {{"err", ec.message()}});
      }
      self->Accept(acceptor);
    });
  }

  asio::io_context& io;
  std::shared_ptr<const ServerShared> shared;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, Options options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), options)) {}

HttpServer::~HttpServer() { Close(); }

tcp::endpoint HttpServer::Listen(const std::string& address) {
  ListenAddress parsed = ParseListenAddress(address);
  auto open = [&](tcp::endpoint ep, bool dual_stack, beast::error_code& ec) {
    auto acceptor = std::make_shared<tcp::acceptor>(impl_->io);
    acceptor->open(ep.protocol(), ec);
    if (ec) return std::shared_ptr<tcp::acceptor>();
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (ep.protocol() == tcp::v6()) acceptor->set_option(asio::ip::v6_only(!dual_stack), ec);
    ec.clear();
    acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return std::shared_ptr<tcp::acceptor>();
    return acceptor;
  };
  beast::error_code ec;
  auto acceptor = open(parsed.endpoint, parsed.any_host, ec);
  if (!acceptor && parsed.any_host) {
    // No IPv6 on this host: all IPv4 addresses instead.
    ec.clear();
    acceptor = open(tcp::endpoint(asio::ip::address_v4::any(), parsed.endpoint.port()), false, ec);
  }
  if (!acceptor) {
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", address, ec.message()));
  }
  auto bound = acceptor->local_endpoint();
  impl_->acceptors.push_back(acceptor);
  impl_->Accept(acceptor);
  return bound;
}

void HttpServer::Close() {
  for (auto& a : impl_->acceptors) {
    beast::error_code ec;
    a->close(ec);
  }
  impl_->acceptors.clear();
}

}  // namespace node_agent
