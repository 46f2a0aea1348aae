#include "collectors/ntp.h"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

namespace {

constexpr uint64_t kNanoPerSec = 1000000000;
// 1900-01-01 and 2036-02-07T06:28:16Z (NTP era 1) in Unix seconds.
constexpr int64_t kEra0Unix = -2208988800LL;
constexpr int64_t kEra1Unix = 2085978496LL;
constexpr int64_t kSecond = 1000000000LL;

uint64_t Be(std::string_view d, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(d[at + i]);
  return v;
}

void PutBe(std::string& d, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) d[at + n - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// ntpTime.Duration(): 32.32 seconds to nanoseconds, rounded.
int64_t NtpDuration(uint64_t t) {
  uint64_t sec = (t >> 32) * kNanoPerSec;
  uint64_t frac = (t & 0xffffffff) * kNanoPerSec;
  uint64_t nsec = frac >> 32;
  if (static_cast<uint32_t>(frac) >= 0x80000000u) nsec++;
  return static_cast<int64_t>(sec + nsec);
}

// ntpTimeShort.Duration(): 16.16 seconds to nanoseconds, rounded.
int64_t NtpShortDuration(uint32_t t) {
  uint64_t sec = static_cast<uint64_t>(t >> 16) * kNanoPerSec;
  uint64_t frac = static_cast<uint64_t>(t & 0xffff) * kNanoPerSec;
  uint64_t nsec = frac >> 16;
  if (static_cast<uint16_t>(frac) >= 0x8000) nsec++;
  return static_cast<int64_t>(sec + nsec);
}

int64_t Rtt(uint64_t org, uint64_t rec, uint64_t xmt, uint64_t dst) {
  auto a = static_cast<int64_t>(dst - org);
  auto b = static_cast<int64_t>(xmt - rec);
  auto rtt = static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  if (rtt < 0) rtt = 0;
  return NtpDuration(static_cast<uint64_t>(rtt));
}

int64_t Offset(uint64_t org, uint64_t rec, uint64_t xmt, uint64_t dst) {
  // Go's wrapping int64 arithmetic: a + (b-a)/2.
  auto a = static_cast<int64_t>(rec - org);
  auto b = static_cast<int64_t>(xmt - dst);
  auto half = static_cast<int64_t>(static_cast<uint64_t>(b) - static_cast<uint64_t>(a)) / 2;
  auto offset = static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(half));
  if (offset < 0) return -NtpDuration(0 - static_cast<uint64_t>(offset));
  return NtpDuration(static_cast<uint64_t>(offset));
}

int64_t MinError(uint64_t org, uint64_t rec, uint64_t xmt, uint64_t dst) {
  uint64_t error0 = org >= rec ? org - rec : 0;
  uint64_t error1 = xmt >= dst ? xmt - dst : 0;
  return NtpDuration(error0 > error1 ? error0 : error1);
}

}  // namespace

uint64_t UnixNanosToNtp(int64_t unix_ns) {
  uint64_t nsec = static_cast<uint64_t>(unix_ns - kEra0Unix * kSecond);
  uint64_t sec = nsec / kNanoPerSec;
  nsec = (nsec - sec * kNanoPerSec) << 32;
  uint64_t frac = nsec / kNanoPerSec;
  if (nsec % kNanoPerSec >= kNanoPerSec / 2) frac++;
  return sec << 32 | frac;
}

int64_t NtpToUnixNanos(uint64_t t) {
  constexpr uint64_t k1970 = 0x83aa7e8000000000ULL;
  int64_t era = t < k1970 ? kEra1Unix : kEra0Unix;
  return era * kSecond + NtpDuration(t);
}

std::optional<NtpPacket> ParseNtpPacket(std::string_view d) {
  if (d.size() < 48) return std::nullopt;
  NtpPacket p;
  auto b0 = static_cast<unsigned char>(d[0]);
  p.leap = b0 >> 6;
  p.version = (b0 >> 3) & 7;
  p.mode = b0 & 7;
  p.stratum = static_cast<uint8_t>(d[1]);
  p.poll = static_cast<int8_t>(d[2]);
  p.precision = static_cast<int8_t>(d[3]);
  p.root_delay = static_cast<uint32_t>(Be(d, 4, 4));
  p.root_dispersion = static_cast<uint32_t>(Be(d, 8, 4));
  p.reference_id = static_cast<uint32_t>(Be(d, 12, 4));
  p.reference_time = Be(d, 16, 8);
  p.origin_time = Be(d, 24, 8);
  p.receive_time = Be(d, 32, 8);
  p.transmit_time = Be(d, 40, 8);
  return p;
}

std::string BuildNtpRequest(int version, uint64_t transmit) {
  std::string d(48, '\0');
  d[0] = static_cast<char>(((version & 7) << 3) | 3);
  d[3] = 0x20;
  PutBe(d, 40, transmit, 8);
  return d;
}

std::string CheckNtpReply(const NtpPacket& reply, uint64_t transmit) {
  if (reply.mode != 4) return "invalid mode in response";
  if (reply.transmit_time == 0) return "invalid transmit time in response";
  if (reply.origin_time != transmit) return "server response didn't match request";
  if (reply.receive_time > reply.transmit_time) return "server clock ticked backwards";
  return "";
}

NtpResult ComputeNtpResult(const NtpPacket& h, int64_t sent, int64_t received) {
  if (received < sent) received = sent;
  uint64_t org = UnixNanosToNtp(sent);
  uint64_t dst = UnixNanosToNtp(received);
  NtpResult r;
  r.stratum = h.stratum;
  r.leap = h.leap;
  r.time = NtpToUnixNanos(h.transmit_time);
  r.rtt = Rtt(org, h.receive_time, h.transmit_time, dst);
  r.offset = Offset(org, h.receive_time, h.transmit_time, dst);
  r.reference_time = NtpToUnixNanos(h.reference_time);
  r.root_delay = NtpShortDuration(h.root_delay);
  r.root_dispersion = NtpShortDuration(h.root_dispersion);
  r.min_error = MinError(org, h.receive_time, h.transmit_time, dst);
  r.root_distance = (r.rtt + r.root_delay) / 2 + r.root_dispersion;
  // beevik/ntp's Validate.
  constexpr int64_t kMaxPollInterval = (int64_t{1} << 17) * kSecond;
  constexpr int64_t kMaxDispersion = 16 * kSecond;
  r.valid = h.stratum != 0 && h.stratum < 16 && r.time - r.reference_time <= kMaxPollInterval &&
            r.root_delay / 2 + r.root_dispersion <= kMaxDispersion && r.time >= r.reference_time && h.leap != 3;
  return r;
}

namespace {

// Go's Duration.Seconds().
double Seconds(int64_t d) {
  return static_cast<double>(d / kSecond) + static_cast<double>(d % kSecond) / 1e9;
}

int64_t NowNanos() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::runtime_error QueryError(std::string_view what) {
  return std::runtime_error(fmt::format("couldn't get SNTP reply: {}", what));
}

// beevik/ntp's fixHostPort: an address may carry its own port.
std::pair<std::string, std::string> SplitHostPort(const std::string& address, int port) {
  if (!address.empty() && address[0] == '[') {
    auto end = address.find(']');
    if (end == std::string::npos) throw QueryError("missing ']' in address");
    if (end + 1 == address.size()) return {address.substr(1, end - 1), std::to_string(port)};
    if (address[end + 1] == ':') return {address.substr(1, end - 1), address.substr(end + 2)};
    throw QueryError("unexpected character following ']' in address");
  }
  auto last = address.rfind(':');
  if (last == std::string::npos) return {address, std::to_string(port)};
  if (address.rfind(':', last == 0 ? 0 : last - 1) == std::string::npos || last == 0) {
    return {address.substr(0, last), address.substr(last + 1)};
  }
  return {address, std::to_string(port)};  // a bare IPv6 address
}

}  // namespace

namespace {

class NtpCollector : public Collector {
 public:
  NtpCollector(const NtpOptions& o, int64_t max_distance, int64_t tolerance)
      : options_(o), max_distance_(max_distance), tolerance_(tolerance) {}

  void Collect(MetricSet& out) override {
    NtpResult r = Query();
    out.Gauge("node_ntp_stratum", "NTPD stratum.", {}, r.stratum);
    out.Gauge("node_ntp_leap", "NTPD leap second indicator, 2 bits.", {}, r.leap);
    out.Gauge("node_ntp_rtt_seconds", "RTT to NTPD.", {}, Seconds(r.rtt));
    out.Gauge("node_ntp_offset_seconds", "ClockOffset between NTP and local clock.", {}, Seconds(r.offset));
    // Reference times at or before the Unix epoch read as 0.
    double reftime = r.reference_time >= kSecond ? static_cast<double>(r.reference_time) / 1e9 : 0;
    out.Gauge("node_ntp_reference_timestamp_seconds", "NTPD ReferenceTime, UNIX timestamp.", {}, reftime);
    out.Gauge("node_ntp_root_delay_seconds", "NTPD RootDelay.", {}, Seconds(r.root_delay));
    out.Gauge("node_ntp_root_dispersion_seconds", "NTPD RootDispersion.", {}, Seconds(r.root_dispersion));
    out.Gauge("node_ntp_sanity", "NTPD sanity according to RFC5905 heuristics and configured limits.", {},
              Sane(r) ? 1 : 0);
  }

 private:
  bool Sane(const NtpResult& r) {
    constexpr int64_t kDay = 86400 * kSecond;
    int64_t maxerr = tolerance_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The leap flag is dropped right after midnight: remember that midnight
      // and tolerate a smeared second for a day either side of it.
      if (r.leap == 1 || r.leap == 2) {
        int64_t day = r.time / kDay - (r.time % kDay < 0 ? 1 : 0);
        leap_midnight_ = (day + 1) * kDay;
      }
      if (leap_midnight_ && *leap_midnight_ - kDay < r.time && r.time < *leap_midnight_ + kDay) maxerr += kSecond;
    }
    return r.valid && r.root_distance <= max_distance_ && r.min_error <= maxerr;
  }

  Fd Connect() {
    auto [host, port] = SplitHostPort(options_.server, options_.server_port);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      throw QueryError(fmt::format("lookup {}: {}", host, ::gai_strerror(rc)));
    }
    // IPv4 first, as Go's resolver prefers it.
    const addrinfo* ai = res;
    for (const addrinfo* p = res; p; p = p->ai_next) {
      if (p->ai_family == AF_INET) {
        ai = p;
        break;
      }
    }
    Fd fd(::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    int err = fd.get() < 0 ? errno : 0;
    if (err == 0 && ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) err = errno;
    int family = ai->ai_family;
    ::freeaddrinfo(res);
    if (err != 0) throw QueryError(fmt::format("dial udp {}:{}: {}", host, port, std::strerror(err)));
    if (options_.ip_ttl != 0) {
      int ttl = options_.ip_ttl;
      int rc = family == AF_INET6 ? ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl)
                                  : ::setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
      if (rc != 0) throw QueryError(fmt::format("set TTL {}: {}", ttl, std::strerror(errno)));
    }
    return fd;
  }

  NtpResult Query() {
    Fd fd = Connect();
    uint64_t nonce = 0;
    if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce) throw QueryError("no random nonce");
    std::string request = BuildNtpRequest(options_.protocol_version, nonce);
    // beevik/ntp's one second for the whole exchange.
    int64_t deadline = NowNanos() + kSecond;
    int64_t sent = NowNanos();
    if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      throw QueryError(fmt::format("write: {}", std::strerror(errno)));
    }
    char buf[8192];
    ssize_t n = -1;
    while (n < 0) {
      int64_t left_ms = (deadline - NowNanos() + 999999) / 1000000;
      if (left_ms <= 0) throw QueryError("read: i/o timeout");
      pollfd pfd{fd.get(), POLLIN, 0};
      int rc = ::poll(&pfd, 1, static_cast<int>(left_ms));
      if (rc < 0 && errno != EINTR) throw QueryError(fmt::format("poll: {}", std::strerror(errno)));
      if (rc <= 0) continue;
      n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR) throw QueryError(fmt::format("read: {}", std::strerror(errno)));
    }
    int64_t received = NowNanos();
    auto reply = ParseNtpPacket(std::string_view(buf, static_cast<size_t>(n)));
    if (!reply) throw QueryError("unexpected EOF");
    if (auto why = CheckNtpReply(*reply, nonce); !why.empty()) throw QueryError(why);
    return ComputeNtpResult(*reply, sent, received);
  }

  NtpOptions options_;
  int64_t max_distance_;
  int64_t tolerance_;
  std::mutex mu_;
  std::optional<int64_t> leap_midnight_;
};

NtpOptions& Options() {
  static NtpOptions options;
  return options;
}

void AddNtpFlags(CLI::App& app) {
  auto& o = Options();
  const char* group = "ntp collector";
  app.add_option("--collector.ntp.server", o.server, "NTP server to use for ntp collector")
      ->default_str(o.server)->group(group);
  app.add_option("--collector.ntp.server-port", o.server_port, "UDP port number to connect to on NTP server")
      ->default_str("123")->group(group);
  app.add_option("--collector.ntp.protocol-version", o.protocol_version, "NTP protocol version")
      ->default_str("4")->group(group);
  app.add_flag("--collector.ntp.server-is-local,!--no-collector.ntp.server-is-local", o.server_is_local,
               "Certify that collector.ntp.server address is not a public ntp server")
      ->group(group);
  app.add_option("--collector.ntp.ip-ttl", o.ip_ttl, "IP TTL to use while sending NTP query")
      ->default_str("1")->group(group);
  app.add_option("--collector.ntp.max-distance", o.max_distance, "Max accumulated distance to the root")
      ->default_str(o.max_distance)->group(group);
  app.add_option("--collector.ntp.local-offset-tolerance", o.local_offset_tolerance,
                 "Offset between local clock and local ntpd time to tolerate")
      ->default_str(o.local_offset_tolerance)->group(group);
}

bool IsLoopbackIp(const std::string& s) {
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

int64_t DurationFlag(const char* flag, const std::string& value) {
  auto d = ParseGoDuration(value);
  if (!d) throw std::invalid_argument(fmt::format("--{}: invalid duration '{}'", flag, value));
  return d->count();
}

std::unique_ptr<Collector> CreateNtp(const Paths&) { return NewNtpCollector(Options()); }

NODE_AGENT_REGISTER_COLLECTOR("ntp", kDisabledByDefault, &AddNtpFlags, &CreateNtp);

}  // namespace

std::unique_ptr<Collector> NewNtpCollector(const NtpOptions& o) {
  if (!o.server_is_local && !IsLoopbackIp(o.server)) {
    throw std::invalid_argument("only IP address of local NTP server is valid for --collector.ntp.server");
  }
  if (o.protocol_version < 2 || o.protocol_version > 4) {
    throw std::invalid_argument(
        fmt::format("invalid NTP protocol version {}; must be 2, 3, or 4", o.protocol_version));
  }
  int64_t max_distance = DurationFlag("collector.ntp.max-distance", o.max_distance);
  int64_t tolerance = DurationFlag("collector.ntp.local-offset-tolerance", o.local_offset_tolerance);
  if (tolerance < 0) throw std::invalid_argument("offset tolerance must be non-negative");
  if (o.server_port < 1 || o.server_port > 65535) {
    throw std::invalid_argument(
        fmt::format("invalid NTP port number {}; must be between 1 and 65535 inclusive", o.server_port));
  }
  log::Warn("This collector is deprecated and will be removed in the next major version release.",
            {{"collector", "ntp"}});
  return std::make_unique<NtpCollector>(o, max_distance, tolerance);
}

}  // namespace node_agent
