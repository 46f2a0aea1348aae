// The HTTP server's limits through real sockets on 127.0.0.1: requests past
// max_requests get 503 at once while the workers are busy, a connection
// accepted while they are busy is still served beside them, connections past
// max_connections are closed, a trickled request head and an idle keep-alive
// connection are cut off, a request body is refused.
#include <arpa/inet.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/http_server.h"
#include "agent/web_config_file.h"

namespace node_agent {
namespace {

using namespace std::chrono_literals;

// A server on an ephemeral loopback port, its io thread, and a handler that
// blocks while `hold` is set.
class TestServer {
 public:
  explicit TestServer(HttpServer::Options options) {
    server_ = std::make_unique<HttpServer>(
        io_,
        [this](const HttpRequest& r) {
          std::unique_lock<std::mutex> lock(mutex_);
          ++started_;
          cv_.notify_all();
          cv_.wait(lock, [&] { return !hold_; });
          return HttpResponse{200, "text/plain", {}, "ok " + r.target};
        },
        std::move(options));
    port_ = server_->Listen("127.0.0.1:0").port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() { Stop(); }
  // Stops the io thread and destroys the server (its workers and pools).
  void Stop() {
    if (!server_) return;
    Release();
    io_.stop();
    thread_.join();
    server_.reset();
  }
  unsigned port() const { return port_; }
  // Waits (bounded) until exactly `n` requests are read and not yet answered.
  bool WaitActive(int n) {
    return PollUntil([&] { return server_->Active() == n; });
  }
  // Waits (bounded) until the server holds exactly `n` open connections.
  bool WaitConnections(int n) {
    return PollUntil([&] { return server_->Connections() == n; });
  }
  // The server's counters have no notification to wait on: polled, for 5 s at most.
  template <class Done>
  static bool PollUntil(Done done) {
    auto end = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    hold_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    hold_ = false;
    cv_.notify_all();
  }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return started_ >= n; });
  }

 private:
  boost::asio::io_context io_{1};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  unsigned port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool hold_ = false;
  int started_ = 0;
};

int Connect(unsigned port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

void Send(int fd, const std::string& s) { ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), (ssize_t)s.size()); }

// Reads until the peer closes or `limit` passes; `closed` says which.
std::string ReadUntilClosed(int fd, std::chrono::milliseconds limit, bool* closed = nullptr) {
  std::string out;
  auto end = std::chrono::steady_clock::now() + limit;
  if (closed) *closed = false;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

const std::string kGet = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

// Holds the handler and has `n` connections each send a request it is inside
// of; returns their descriptors.
std::vector<int> BusyConnections(TestServer& server, int n) {
  server.Hold();
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(Connect(server.port()));
  for (int fd : fds) Send(fd, kGet);
  EXPECT_TRUE(server.WaitStarted(n)) << "the handler did not start " << n << " requests";
  return fds;
}

// A request on a connection of its own: the whole answer.
std::string OneRequest(TestServer& server) {
  int fd = Connect(server.port());
  Send(fd, kGet);
  std::string answer = ReadUntilClosed(fd, 3s);
  close(fd);
  return answer;
}

// Releases the handler; each held connection is answered 200.
void ReleaseAndExpect200(TestServer& server, const std::vector<int>& fds) {
  server.Release();
  for (int fd : fds) {
    EXPECT_EQ(ReadUntilClosed(fd, 3s).rfind("HTTP/1.1 200", 0), 0u);
    close(fd);
  }
}

// Past the limit a request gets 503 at once: read on the io thread when both
// workers are busy (limit 2), or on the idle worker that took it (limit 1).
TEST(HttpServer, PastMaxRequestsAnswers503AtOnce) {
  for (int limit : {2, 1}) {
    HttpServer::Options o;
    o.max_requests = limit;
    o.worker_threads = 2;
    o.overloaded = [](const HttpRequest&) { return HttpResponse{503, "text/plain", {}, "busy\n"}; };
    TestServer server(o);
    std::vector<int> busy = BusyConnections(server, limit);
    std::string refused = OneRequest(server);
    EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << "limit " << limit << ": " << refused;
    EXPECT_NE(refused.find("busy"), std::string::npos);
    ReleaseAndExpect200(server, busy);
  }
}

TEST(HttpServer, ConnectionAcceptedWhileWorkersAreBusyIsServedBesideThem) {
  HttpServer::Options o;
  o.max_requests = 0;
  o.worker_threads = 2;
  TestServer server(o);
  std::vector<int> busy = BusyConnections(server, 2);
  // Each worker is inside a request its connection sent: a third connection
  // must not queue behind either of them.
  int c = Connect(server.port());
  Send(c, "GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(server.WaitStarted(3)) << "the third request waited for a busy worker";
  ReleaseAndExpect200(server, busy);
  EXPECT_NE(ReadUntilClosed(c, 3s).find("ok /third"), std::string::npos);
  close(c);
}

// A server stopped while basic-auth checks wait for the bcrypt thread: the
// waiting checks hold connections owned by the workers, and are dropped
// before the workers' io_contexts, and a check that reaches for the bcrypt
// thread while the server stops finds none rather than starting one that
// outlives it (under ASan either mistake is a use-after-free).
TEST(HttpServer, StopsWithAuthChecksStillQueued) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 12, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const char* hash = crypt_r("s3cr3t", salt, &data);
  ASSERT_NE(hash, nullptr);
  auto web = std::make_shared<WebState>();
  web->config.users["u"] = hash;
  HttpServer::Options o;
  o.web_state = [web] { return web; };
  TestServer server(o);
  // Two wrong passwords (not in the cache): one check runs, one waits.
  std::vector<int> fds;
  for (const char* credentials : {"dTp3cm9uZzE=", "dTp3cm9uZzI="}) {
    fds.push_back(Connect(server.port()));
    Send(fds.back(), std::string("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ") + credentials + "\r\n\r\n");
  }
  ASSERT_TRUE(server.WaitActive(2)) << "the requests were not read";
  server.Stop();
  for (int fd : fds) close(fd);
}

TEST(HttpServer, ConnectionsPastTheCapAreClosedWhenNoneIsIdle) {
  HttpServer::Options o;
  o.max_connections = 3;
  TestServer server(o);
  int busy[3];
  for (int& fd : busy) {
    fd = Connect(server.port());
    Send(fd, "GET /metrics HTTP/1.1\r\n");  // a head in progress: not idle
  }
  ASSERT_TRUE(server.WaitConnections(3)) << "the server did not accept the first connections";
  int extra = Connect(server.port());
  bool closed = false;
  EXPECT_EQ(ReadUntilClosed(extra, 3s, &closed), "");
  EXPECT_TRUE(closed) << "a connection past the cap stayed open";
  close(extra);
  close(busy[0]);
  ASSERT_TRUE(server.WaitConnections(2)) << "the server did not see a connection close";
  int next = Connect(server.port());
  Send(next, kGet);
  EXPECT_EQ(ReadUntilClosed(next, 3s).rfind("HTTP/1.1 200", 0), 0u);
  close(next);
  for (int fd : {busy[1], busy[2]}) close(fd);
}

TEST(HttpServer, LongestIdleConnectionIsEvictedAtTheCap) {
  HttpServer::Options o;
  o.max_connections = 3;
  TestServer server(o);
  int idle[3];
  for (int i = 0; i < 3; ++i) {
    idle[i] = Connect(server.port());
    // Accepted (and so idle since) in this order.
    ASSERT_TRUE(server.WaitConnections(i + 1)) << "the server did not accept connection " << i;
  }
  int extra = Connect(server.port());
  Send(extra, kGet);
  EXPECT_EQ(ReadUntilClosed(extra, 3s).rfind("HTTP/1.1 200", 0), 0u);
  bool closed = false;
  ReadUntilClosed(idle[0], 3s, &closed);
  EXPECT_TRUE(closed) << "the longest-idle connection was not evicted";
  closed = false;
  ReadUntilClosed(idle[2], 200ms, &closed);
  EXPECT_FALSE(closed) << "the newest idle connection was evicted";
  close(extra);
  for (int fd : idle) close(fd);
}

TEST(HttpServer, TrickledHeadIsCutOff) {
  HttpServer::Options o;
  o.head_timeout_seconds = 1;
  TestServer server(o);
  int fd = Connect(server.port());
  Send(fd, "GET /metrics HTTP/1.1\r\n");
  // A header line every 200 ms would go on for 10 s; the head timeout ends it.
  bool closed = false;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50 && !closed; ++i) {
    send(fd, "X: y\r\n", 6, MSG_NOSIGNAL);
    ReadUntilClosed(fd, 200ms, &closed);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  close(fd);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  HttpServer::Options o;
  o.idle_timeout_seconds = 1;
  TestServer server(o);
  int fd = Connect(server.port());
  Send(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string got = ReadUntilClosed(fd, 4s, &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_TRUE(closed) << "idle keep-alive connection still open after the idle timeout";
  close(fd);
}

TEST(HttpServer, RequestBodyRefused) {
  TestServer server(HttpServer::Options{});
  int fd = Connect(server.port());
  Send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  bool closed = false;
  std::string got = ReadUntilClosed(fd, 3s, &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_TRUE(closed);
  close(fd);
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder) {
  TestServer server(HttpServer::Options{});
  int fd = Connect(server.port());
  Send(fd, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string got = ReadUntilClosed(fd, 3s);
  auto first = got.find("ok /1"), second = got.find("ok /2");
  EXPECT_NE(first, std::string::npos) << got;
  EXPECT_NE(second, std::string::npos) << got;
  EXPECT_LT(first, second);
  close(fd);
}

}  // namespace
}  // namespace node_agent