#include "agent/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "agent/basic_auth.h"
#include "agent/web_config_file.h"
#include "lib/log.h"

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

unsigned ReadErrorStatus(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
  return 400;
}

// "http://host/path?q" (absolute form, RFC 9112 3.2.2) to "/path?q"; other
// targets unchanged.
std::string OriginForm(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && strncasecmp(target.data(), scheme.data(), scheme.size()) == 0) {
      std::string_view rest = target.substr(scheme.size());
      size_t path = rest.find_first_of("/?");
      if (path == std::string_view::npos) return "/";
      if (rest[path] == '?') return "/" + std::string(rest.substr(path));
      return std::string(rest.substr(path));
    }
  }
  return std::string(target);
}

// The checks every request head passes before it reaches a handler; fills
// `out`. Returns 0 or the error status: a GET or HEAD carries no body, so any
// body is refused rather than read.
template <class Parser>
unsigned CheckHead(const Parser& parser, HttpRequest& out) {
  const auto& req = parser.get();
  // RFC 9112 6.1: a transfer coding other than chunked last leaves the body's
  // length unknown: 400 and close, never guess where the next request starts.
  if (req.count(http::field::transfer_encoding) > 0 && !parser.chunked()) return 400;
  if (parser.chunked() || parser.content_length().value_or(0) > 0) return 413;
  // RFC 9112 3.2: an HTTP/1.1 request has exactly one Host.
  if (req.version() >= 11 && req.count(http::field::host) != 1) return 400;
  out.method = std::string(req.method_string());
  out.target = OriginForm(std::string_view(req.target().data(), req.target().size()));
  out.headers.clear();
  for (const auto& field : req) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return 0;
}

HttpResponse StatusResponse(unsigned status) {
  return HttpResponse{status, "text/plain; charset=utf-8", {},
                      std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\n"};
}

}  // namespace

RequestHead ParseRequestHead(std::string_view bytes, size_t max_header_bytes) {
  RequestHead out;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.eager(false);
  beast::error_code ec;
  parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec == http::error::need_more) return out;
  out.complete = true;
  if (ec) {
    out.status = ReadErrorStatus(ec);
    return out;
  }
  out.status = CheckHead(parser, out.request);
  out.keep_alive = parser.get().keep_alive();
  return out;
}

namespace {

// A connection the server may close to make room for a new one.
struct Evictable {
  virtual ~Evictable() = default;
  virtual void Evict() = 0;
};

// A thread with an io_context of its own. The connections it owns are read,
// handled and answered on it: a request costs no wake-up of another thread
// (docs/performance.md, eleventh pass, measures what the hand-offs cost).
struct Worker {
  std::atomic<int> busy{0};      // requests being handled on it
  std::atomic<int> sessions{0};  // connections it owns
  // Declared after the counters: destroying it destroys the sessions still
  // queued on it, which count themselves out.
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;

  void Run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log::Error("HTTP worker: unexpected exception", {{"err", e.what()}});
      }
    }
  }
};

// What every session needs from the server; shared so a session outliving
// the server object stays valid.
struct ServerShared {
  ServerShared(HttpHandler h, HttpServer::Options o) : handler(std::move(h)), options(std::move(o)) {}

  int WorkerCount() const {
    int n = options.worker_threads;
    if (n <= 0) n = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    return n;
  }

  // The idle worker owning the fewest connections, the workers started on
  // the first call; nullptr when every worker is handling a request (or the
  // server stopped).
  Worker* PickWorker() {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (stopped) return nullptr;
    if (workers.empty()) {
      for (int i = 0; i < WorkerCount(); ++i) {
        auto& w = *workers.emplace_back(std::make_unique<Worker>());
        // A socket object makes the io_context create its reactor (epoll,
        // eventfd, timerfd) now, rather than with the worker's first
        // connection: the descriptors a server holds are known from its first.
        tcp::socket reactor_now(w.io);
        w.thread = std::thread([&w] { w.Run(); });
      }
    }
    Worker* best = nullptr;
    for (auto& w : workers) {
      if (w->busy.load() > 0) continue;
      if (!best || w->sessions.load() < best->sessions.load()) best = w.get();
    }
    return best;
  }

  // For requests read on the io thread: connections accepted while every
  // worker was busy. Null once the server stopped: no thread may outlive it.
  asio::thread_pool* Pool() {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (stopped) return nullptr;
    if (!pool) pool = std::make_unique<asio::thread_pool>(WorkerCount());
    return pool.get();
  }
  // Uncached bcrypt checks run here, one at a time, not on the workers: a
  // flood of bad credentials must not hold the request slots. Null once the
  // server stopped.
  asio::thread_pool* AuthPool() {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (stopped) return nullptr;
    if (!auth_pool) auth_pool = std::make_unique<asio::thread_pool>(1);
    return auth_pool.get();
  }
  void StopPool() {
    std::unique_ptr<asio::thread_pool> p, a;
    std::vector<std::unique_ptr<Worker>> w;
    {
      std::lock_guard<std::mutex> lock(pool_mutex);
      stopped = true;
      w = std::move(workers);
    }
    // The workers first: a request they are reading may still reach for a
    // pool, which is taken only once none can.
    for (auto& worker : w) {
      worker->guard.reset();
      worker->io.stop();
      if (worker->thread.joinable()) worker->thread.join();
    }
    {
      std::lock_guard<std::mutex> lock(pool_mutex);
      p = std::move(pool);
      a = std::move(auth_pool);
    }
    for (auto* tp : {p.get(), a.get()}) {
      if (tp) {
        tp->stop();
        tp->join();
      }
    }
    // Handlers the pools never ran hold sessions whose sockets are on the
    // workers' io_contexts: gone before those are.
    p.reset();
    a.reset();
  }

  // Connections waiting for a request with nothing received yet, oldest
  // first: at the connection cap the oldest is closed for the new one.
  uint64_t AddIdle(std::weak_ptr<Evictable> session) {
    std::lock_guard<std::mutex> lock(idle_mutex);
    idle.emplace(++idle_seq, std::move(session));
    return idle_seq;
  }
  void RemoveIdle(uint64_t key) {
    if (key == 0) return;
    std::lock_guard<std::mutex> lock(idle_mutex);
    idle.erase(key);
  }
  bool EvictOldest() {
    std::lock_guard<std::mutex> lock(idle_mutex);
    while (!idle.empty()) {
      auto session = idle.begin()->second.lock();
      idle.erase(idle.begin());
      if (session) {
        session->Evict();
        return true;
      }
    }
    return false;
  }

  HttpHandler handler;
  HttpServer::Options options;
  BasicAuthenticator auth;
  std::atomic<int> connections{0};
  std::atomic<int> queued{0};  // requests being handled or queued for the pool
  std::atomic<int> active{0};  // requests read, response not yet written
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<asio::thread_pool> pool;
  std::unique_ptr<asio::thread_pool> auth_pool;
  bool stopped = false;
  std::mutex idle_mutex;
  std::map<uint64_t, std::weak_ptr<Evictable>> idle;
  uint64_t idle_seq = 0;
};

template <class Stream>
class Session : public Evictable, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  // `worker`: the worker thread that owns the connection (its socket is on
  // that worker's io_context, counted in its sessions); nullptr: the io thread.
  template <class... Args>
  Session(std::shared_ptr<ServerShared> shared, std::shared_ptr<const WebState> web, Worker* worker, Args&&... args)
      : shared_(std::move(shared)),
        web_(std::move(web)),
        worker_(worker),
        stream_(std::forward<Args>(args)...),
        buffer_(shared_->options.max_header_bytes + 1024) {
    shared_->connections++;
  }
  ~Session() {
    shared_->RemoveIdle(idle_key_);
    shared_->connections--;
    if (worker_) worker_->sessions--;
  }

  // From any thread: closes the connection on its own executor (its pending
  // read then ends with an error and the session with it).
  void Evict() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
  }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(shared_->options.head_timeout_seconds));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      WaitRequest();
    }
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    // Plain HTTP to a TLS port, a client without a required certificate, a
    // stalled handshake: the connection is just closed.
    if (ec) {
      log::Debug("TLS handshake failed", {{"err", ec.message()}});
      Close();
      return;
    }
    if constexpr (kTls) {
      const auto& sans = web_->config.tls.client_allowed_sans;
      if (!sans.empty() && !PeerHasAllowedSan(stream_.native_handle(), sans)) {
        log::Debug("client certificate has none of client_allowed_sans");
        Close();
        return;
      }
    }
    WaitRequest();
  }

  // Between requests the idle timeout applies; once a first byte arrives, the
  // head timeout. A new connection that has sent nothing gets the head
  // timeout too: only a client that made a request earns the long idle time.
  void WaitRequest() {
    if (buffer_.size() > 0) {
      ReadHead();
      return;
    }
    buffer_.shrink_to_fit();  // idle connections keep no buffer
    const auto& o = shared_->options;
    Lowest().expires_after(std::chrono::seconds(served_ ? o.idle_timeout_seconds : o.head_timeout_seconds));
    idle_key_ = shared_->AddIdle(this->weak_from_this());
    stream_.async_read_some(buffer_.prepare(512),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->shared_->RemoveIdle(self->idle_key_);
                              self->idle_key_ = 0;
                              self->buffer_.commit(n);
                              if (ec) {
                                self->Close();
                              } else {
                                self->ReadHead();
                              }
                            });
  }

  void ReadHead() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->eager(false);
    Lowest().expires_after(std::chrono::seconds(shared_->options.head_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->OnHead(ec);
                            });
  }

  void OnHead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::ssl::error::stream_truncated) {
      Close();
      return;
    }
    HttpRequest request;
    unsigned status = ec ? ReadErrorStatus(ec) : CheckHead(*parser_, request);
    if (status != 0) {
      // A malformed, oversized or body-carrying request: answer and close.
      version_ = 11;
      keep_alive_ = false;
      head_ = false;
      Respond(StatusResponse(status), false);
      return;
    }
    const auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    parser_.reset();
    served_ = true;
    Lowest().expires_never();  // the handler may take up to the scrape deadline
    shared_->active++;
    if (web_ && !web_->config.users.empty()) {
      Authenticate(std::move(request));
    } else {
      Dispatch(std::move(request));
    }
  }

  // Basic auth before a request takes a worker slot: a cached result at once;
  // otherwise bcrypt on the auth thread, with few checks waiting, and 429
  // beyond them rather than a slot held by a client without credentials.
  void Authenticate(HttpRequest request) {
    auto& auth = shared_->auth;
    std::string authorization = request.Header("Authorization");
    switch (auth.Cached(web_->config.users, authorization)) {
      case BasicAuthenticator::Verdict::kAllow:
        Dispatch(std::move(request));
        return;
      case BasicAuthenticator::Verdict::kDeny:
        Respond(WithWebHeaders(Unauthorized()), true);
        return;
      case BasicAuthenticator::Verdict::kUnknown:
        break;
    }
    if (!auth.TryReserve(shared_->options.max_pending_auth)) {
      HttpResponse res = StatusResponse(429);
      res.headers.emplace_back("Retry-After", "1");
      Respond(WithWebHeaders(std::move(res)), true);
      return;
    }
    asio::thread_pool* auth_pool = shared_->AuthPool();
    if (!auth_pool) {  // the server is stopping
      auth.Release();
      Abandon();
      return;
    }
    asio::post(*auth_pool, [self = this->shared_from_this(), request = std::move(request),
                            authorization = std::move(authorization)]() mutable {
      bool ok = self->shared_->auth.Check(self->web_->config.users, authorization);
      self->shared_->auth.Release();
      asio::post(self->stream_.get_executor(), [self, ok, request = std::move(request)]() mutable {
        if (ok) {
          self->Dispatch(std::move(request));
        } else {
          self->Respond(self->WithWebHeaders(Unauthorized()), true);
        }
      });
    });
  }

  // Handled here on the connection's worker, or queued for the pool from the
  // io thread; 503 past --web.max-requests.
  void Dispatch(HttpRequest request) {
    const int limit = shared_->options.max_requests;
    if (limit > 0 && shared_->queued.load() >= limit) {
      HttpResponse res = shared_->options.overloaded ? shared_->options.overloaded(request) : StatusResponse(503);
      Respond(std::move(res), true);
      return;
    }
    asio::thread_pool* pool = worker_ ? nullptr : shared_->Pool();
    if (!worker_ && !pool) {  // the server is stopping
      Abandon();
      return;
    }
    shared_->queued++;
    if (worker_) {
      worker_->busy++;
      HttpResponse res = Handle(request);
      worker_->busy--;
      shared_->queued--;
      Respond(std::move(res), true);
      return;
    }
    asio::post(*pool, [self = this->shared_from_this(), request = std::move(request)] {
      HttpResponse res = self->Handle(request);
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->shared_->queued--;
        self->Respond(std::move(res), true);
      });
    });
  }

  static HttpResponse Unauthorized() {
    HttpResponse res = StatusResponse(401);
    res.headers.emplace_back("WWW-Authenticate", "Basic");
    return res;
  }

  HttpResponse WithWebHeaders(HttpResponse res) const {
    if (web_) {
      for (const auto& [k, v] : web_->config.headers) res.headers.emplace_back(k, v);
    }
    return res;
  }

  // On a worker or pool thread, authenticated already.
  HttpResponse Handle(const HttpRequest& request) {
    HttpResponse res;
    try {
      res = shared_->handler(request);
    } catch (const std::exception& e) {
      log::Error("request handler failed", {{"err", e.what()}});
      res = HttpResponse{500, "text/plain; charset=utf-8", {}, "internal server error\n"};
    }
    return WithWebHeaders(std::move(res));
  }

  void Respond(HttpResponse response, bool counted) {
    counted_ = counted;
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status),
                                                                   version_);
    res->set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    if (head_) {
      // HEAD: the headers GET would send, Content-Length included, no body.
      res->content_length(response.body.size());
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    Lowest().expires_after(std::chrono::seconds(shared_->options.idle_timeout_seconds));
    auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
    auto done = [self = this->shared_from_this(), res, sr](beast::error_code ec, std::size_t) { self->OnWrite(ec); };
    if (head_) {
      http::async_write_header(stream_, *sr, std::move(done));
    } else {
      http::async_write(stream_, *sr, std::move(done));
    }
  }

  void OnWrite(beast::error_code ec) {
    if (counted_) shared_->active--;
    counted_ = false;
    if (ec || !keep_alive_) {
      Close();
      return;
    }
    WaitRequest();
  }

  // A request read but not to be answered: the server is stopping.
  void Abandon() {
    shared_->active--;
    Close();
  }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().close();
  }

  std::shared_ptr<ServerShared> shared_;
  std::shared_ptr<const WebState> web_;  // before stream_: it holds the TLS context stream_ uses
  Worker* worker_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool counted_ = false;
  bool served_ = false;     // a request was read: the idle timeout applies, not the head one
  uint64_t idle_key_ = 0;   // in ServerShared::idle while waiting for a request
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<asio::ssl::stream<beast::tcp_stream>>;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler h, Options o)
      : io(io), shared(std::make_shared<ServerShared>(std::move(h), std::move(o))) {}

  void Accept(std::shared_ptr<tcp::acceptor> acceptor) {
    acceptor->async_accept(asio::make_strand(io), [self = shared_from_this(), acceptor](
                                                      beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // EMFILE and the like: wait a little rather than spin on accept.
        log::WarnOnce("http-accept-" + ec.message(), "accept failed", {{"err", ec.message()}});
        auto timer = std::make_shared<asio::steady_timer>(self->io, std::chrono::milliseconds(100));
        timer->async_wait([self, acceptor, timer](beast::error_code) {
          if (acceptor->is_open()) self->Accept(acceptor);
        });
        return;
      }
      self->Serve(std::move(socket));
      self->Accept(acceptor);
    });
  }

  void Serve(tcp::socket socket) {
    if (shared->connections.load() >= shared->options.max_connections) {
      // The longest-idle connection that has sent nothing goes, so silent
      // connections cannot lock scrapers out; none: the new one is refused.
      if (shared->EvictOldest()) {
        log::WarnOnce("http-evict", "connection limit reached: closing the longest-idle connections for new ones",
                      {{"limit", std::to_string(shared->options.max_connections)}});
      } else {
        log::WarnOnce("http-max-connections", "connection limit reached: closing new connections",
                      {{"limit", std::to_string(shared->options.max_connections)}});
        beast::error_code ignored;
        socket.close(ignored);
        return;
      }
    }
    std::shared_ptr<const WebState> web = shared->options.web_state ? shared->options.web_state() : nullptr;
    Worker* worker = shared->PickWorker();
    if (!worker) {
      Open(std::move(socket), std::move(web), nullptr);
      return;
    }
    if (auto moved = MoveToWorker(socket, *worker)) Open(std::move(*moved), std::move(web), worker);
  }

  // The accepted socket re-opened on the worker's io_context and counted
  // there; none (the connection closed) if the descriptor cannot move.
  static std::optional<tcp::socket> MoveToWorker(tcp::socket& socket, Worker& worker) {
    beast::error_code ec;
    auto protocol = socket.local_endpoint(ec).protocol();
    std::optional<tcp::socket> moved(std::in_place, worker.io);
    if (!ec) {
      auto fd = socket.release(ec);
      if (!ec) {
        moved->assign(protocol, fd, ec);
        if (ec) ::close(fd);
      }
    }
    if (ec) {
      log::WarnOnce("http-move-" + ec.message(), "cannot hand a connection to a worker", {{"err", ec.message()}});
      socket.close(ec);
      return std::nullopt;
    }
    worker.sessions++;
    return moved;
  }

  // A session on `worker` starts on the worker's thread, which then owns it.
  void Open(tcp::socket socket, std::shared_ptr<const WebState> web, Worker* worker) {
    auto start = [worker](auto session) {
      if (worker) {
        asio::post(worker->io, [session = std::move(session)] { session->Start(); });
      } else {
        session->Start();
      }
    };
    if (web && web->tls) {
      auto& ctx = *web->tls;
      start(std::make_shared<TlsSession>(shared, std::move(web), worker, std::move(socket), ctx));
    } else {
      start(std::make_shared<PlainSession>(shared, std::move(web), worker, std::move(socket)));
    }
  }

  asio::io_context& io;
  std::shared_ptr<ServerShared> shared;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, Options options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), std::move(options))) {}

HttpServer::~HttpServer() {
  Close();
  // Workers may still run handlers that refer to objects the caller owns.
  impl_->shared->StopPool();
}

int HttpServer::Active() const { return impl_->shared->active.load(); }
int HttpServer::Connections() const { return impl_->shared->connections.load(); }
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
