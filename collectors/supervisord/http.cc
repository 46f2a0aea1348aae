#include "collectors/supervisord/http.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace node_agent {

namespace {

// A response larger than this is refused rather than buffered.
constexpr size_t kMaxResponse = 64 << 20;

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::string Base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

bool ParseAuthority(std::string_view authority, HttpTarget& t, std::string& error) {
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto user = PercentDecode(authority.substr(0, at));
    if (!user) {
      error = "invalid user info in URL";
      return false;
    }
    t.authorization = "Basic " + Base64(*user);
    authority.remove_prefix(at + 1);
  }
  t.host_header = std::string(authority);
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "missing ']' in host";
      return false;
    }
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') {
      error = "invalid port after host";
      return false;
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    auto colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (port.find_first_not_of("0123456789") != std::string_view::npos) {
    error = "invalid port in URL";
    return false;
  }
  t.port = port.empty() ? "80" : std::string(port);
  if (t.host.empty()) t.host = "localhost";
  return true;
}

}  // namespace

std::optional<HttpTarget> ParseHttpUrl(std::string_view url, std::string& error) {
  HttpTarget t;
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  if (url.starts_with("unix:")) {
    std::string_view rest = url.substr(5);
    if (rest.starts_with("//")) {
      rest.remove_prefix(2);
      auto slash = rest.find('/');
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    rest = rest.substr(0, rest.find('?'));
    auto path = PercentDecode(rest);
    if (!path || path->empty()) {
      error = "no socket path in unix URL";
      return std::nullopt;
    }
    t.unix_socket = true;
    t.socket_path = *path;
    t.host = t.host_header = "unix";
    t.request_target = "/RPC2";
    return t;
  }
  if (!url.starts_with("http://")) {
    error = "unsupported URL scheme (http:// and unix:// are supported)";
    return std::nullopt;
  }
  std::string_view rest = url.substr(7);
  auto path_at = rest.find_first_of("/?");
  if (!ParseAuthority(rest.substr(0, path_at), t, error)) return std::nullopt;
  if (path_at != std::string_view::npos) {
    std::string_view target = rest.substr(path_at);
    t.request_target.clear();
    if (target[0] == '?') t.request_target += '/';
    t.request_target.append(target);
  }
  return t;
}

namespace {

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool Dechunk(std::string_view in, std::string& out, std::string& error) {
  while (true) {
    auto eol = in.find("\r\n");
    if (eol == std::string_view::npos) break;
    std::string_view size_text = TrimWs(in.substr(0, in.find_first_of(";\r")));
    uint64_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || p != size_text.data() + size_text.size()) break;
    in.remove_prefix(eol + 2);
    if (size == 0) return true;  // trailers, if any, are ignored
    if (size > in.size() || in.size() - size < 2 || in.substr(size, 2) != "\r\n") break;
    out.append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
  error = "malformed or truncated chunked body";
  return false;
}

}  // namespace

bool ParseHttpResponse(std::string_view raw, HttpClientResponse& out, std::string& error) {
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    error = "truncated response head";
    return false;
  }
  std::string_view head = raw.substr(0, head_end);
  std::string_view body = raw.substr(head_end + 4);
  std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    error = "malformed status line";
    return false;
  }
  // Three digits, as net/http requires ("-44" parses as a number too).
  std::string_view code = status_line.substr(9, 3);
  auto [p, ec] = std::from_chars(code.data(), code.data() + code.size(), out.status);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      ec != std::errc() || p != code.data() + code.size()) {
    error = "malformed status code";
    return false;
  }
  std::optional<uint64_t> length;
  bool chunked = false;
  for (size_t at = status_line.size(); at < head.size();) {
    size_t start = at + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    at = end;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon), value = TrimWs(line.substr(colon + 1));
    if (EqualsNoCase(name, "content-length")) {
      uint64_t n = 0;
      auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || e != std::errc() || q != value.data() + value.size()) {
        error = "malformed Content-Length";
        return false;
      }
      length = n;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      chunked = value.size() >= 7 && EqualsNoCase(value.substr(value.size() - 7), "chunked");
    }
  }
  out.body.clear();
  if (chunked) return Dechunk(body, out.body, error);
  if (length) {
    if (body.size() < *length) {
      error = "truncated body";
      return false;
    }
    body = body.substr(0, *length);
  }
  out.body.assign(body);
  return true;
}

namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

// Waits for `events` on `fd` until the deadline; false on timeout.
bool Wait(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int left = MillisLeft(deadline);
    if (left == 0) return false;
    pollfd pfd{fd, events, 0};
    int rc = ::poll(&pfd, 1, left);
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

// A non-blocking connected socket, or -1 with `error` set.
int ConnectOne(int family, const sockaddr* addr, socklen_t len, Clock::time_point deadline, std::string& error) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int err = 0;
  if (::connect(fd, addr, len) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      err = ETIMEDOUT;
      if (Wait(fd, POLLOUT, deadline)) {
        socklen_t sl = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
      }
    }
  }
  if (err != 0) {
    error = std::string("dial: ") + std::strerror(err);
    ::close(fd);
    return -1;
  }
  return fd;
}

int Connect(const HttpTarget& t, Clock::time_point deadline, std::string& error) {
  if (t.unix_socket) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (t.socket_path.size() >= sizeof addr.sun_path) {
      error = "unix socket path too long";
      return -1;
    }
    std::memcpy(addr.sun_path, t.socket_path.data(), t.socket_path.size());
    return ConnectOne(AF_UNIX, reinterpret_cast<sockaddr*>(&addr), sizeof addr, deadline, error);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(t.host.c_str(), t.port.c_str(), &hints, &res); rc != 0) {
    error = std::string("lookup ") + t.host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* p = res; p && fd < 0; p = p->ai_next) fd = ConnectOne(p->ai_family, p->ai_addr, p->ai_addrlen, deadline, error);
  ::freeaddrinfo(res);
  return fd;
}

bool Exchange(int fd, const std::string& request, Clock::time_point deadline, std::string& raw, std::string& error) {
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      error = std::string("write: ") + std::strerror(errno);
      return false;
    } else if (!Wait(fd, POLLOUT, deadline)) {
      error = "write: timeout";
      return false;
    }
  }
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      if (raw.size() > kMaxResponse) {
        error = "response too large";
        return false;
      }
    } else if (errno != EAGAIN && errno != EINTR) {
      error = std::string("read: ") + std::strerror(errno);
      return false;
    } else if (!Wait(fd, POLLIN, deadline)) {
      error = "read: timeout awaiting response";
      return false;
    }
  }
}

}  // namespace

bool HttpPost(const HttpTarget& target, std::string_view content_type, std::string_view body,
              std::chrono::milliseconds timeout, HttpClientResponse& out, std::string& error) {
  auto deadline = Clock::now() + timeout;
  int fd = Connect(target, deadline, error);
  if (fd < 0) return false;
  std::string request = "POST " + target.request_target + " HTTP/1.1\r\nHost: " + target.host_header +
                        "\r\nUser-Agent: node-agent\r\nContent-Type: " + std::string(content_type) +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
  if (!target.authorization.empty()) request += "Authorization: " + target.authorization + "\r\n";
  request += "\r\n";
  request.append(body);
  std::string raw;
  bool ok = Exchange(fd, request, deadline, raw, error);
  ::close(fd);
  return ok && ParseHttpResponse(raw, out, error);
}

}  // namespace node_agent
