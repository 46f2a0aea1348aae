#include "collectors/logind.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

#include "lib/dbus.h"
#include "lib/log.h"

namespace node_agent {

namespace {

constexpr const char* kLogindService = "org.freedesktop.login1";
constexpr const char* kLogindPath = "/org/freedesktop/login1";
constexpr const char* kLogindManager = "org.freedesktop.login1.Manager";
constexpr const char* kLogindSession = "org.freedesktop.login1.Session";

// Taken by node_exporter from logind as of systemd v229; "other" stands for
// any value logind added since.
constexpr std::string_view kRemoteValues[] = {"true", "false"};
constexpr std::string_view kTypeValues[] = {"other", "unspecified", "tty", "x11", "wayland", "mir", "web"};
constexpr std::string_view kClassValues[] = {"other", "user", "greeter", "lock-screen", "background"};

template <size_t N>
std::string KnownOrOther(std::string_view value, const std::string_view (&known)[N]) {
  for (std::string_view k : known) {
    if (k == value) return std::string(value);
  }
  return "other";
}

}  // namespace

std::optional<std::vector<std::string>> ParseListSeats(DBusMessage* reply) {
  auto rows = DBusStructArray(reply, "so");
  if (!rows) return std::nullopt;
  std::vector<std::string> seats;
  seats.reserve(rows->size());
  for (auto& row : *rows) seats.push_back(std::move(row[0].text));
  return seats;
}

std::optional<std::vector<LogindSessionEntry>> ParseListSessions(DBusMessage* reply) {
  // session id, uid, user name, seat id, object path.
  auto rows = DBusStructArray(reply, "susso");
  if (!rows) return std::nullopt;
  std::vector<LogindSessionEntry> sessions;
  sessions.reserve(rows->size());
  for (auto& row : *rows) sessions.push_back({std::move(row[0].text), std::move(row[3].text), std::move(row[4].text)});
  return sessions;
}

std::optional<std::vector<std::string>> ParseListSeatsMessage(std::string_view bytes) {
  DBusMessagePtr m = DBusDemarshal(bytes);
  if (!m) return std::nullopt;
  return ParseListSeats(m.get());
}

std::optional<std::vector<LogindSessionEntry>> ParseListSessionsMessage(std::string_view bytes) {
  DBusMessagePtr m = DBusDemarshal(bytes);
  if (!m) return std::nullopt;
  return ParseListSessions(m.get());
}

std::string LogindTypeLabel(std::string_view type) { return KnownOrOther(type, kTypeValues); }
std::string LogindClassLabel(std::string_view session_class) { return KnownOrOther(session_class, kClassValues); }

std::vector<LogindSample> LogindSamples(std::vector<std::string> seats, const std::vector<LogindSession>& sessions) {
  // The seatless "" always, for remote sessions (ssh).
  seats.emplace_back();
  std::sort(seats.begin(), seats.end());
  seats.erase(std::unique(seats.begin(), seats.end()), seats.end());
  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // class, remote, seat, type
  std::map<Key, double> counts;
  for (const auto& s : sessions) counts[{s.session_class, s.remote, s.seat, s.type}] += 1;
  std::vector<LogindSample> out;
  out.reserve(std::size(kClassValues) * std::size(kRemoteValues) * seats.size() * std::size(kTypeValues));
  for (std::string_view c : kClassValues) {
    for (std::string_view r : kRemoteValues) {
      for (const auto& seat : seats) {
        for (std::string_view t : kTypeValues) {
          LogindSample x{std::string(c), std::string(r), seat, std::string(t), 0};
          auto it = counts.find(Key{x.session_class, x.remote, x.seat, x.type});
          if (it != counts.end()) x.count = it->second;
          out.push_back(std::move(x));
        }
      }
    }
  }
  // Go's exposition orders samples by their (name-sorted) label values.
  std::sort(out.begin(), out.end(), [](const LogindSample& a, const LogindSample& b) {
    return std::tie(a.session_class, a.remote, a.seat, a.type) < std::tie(b.session_class, b.remote, b.seat, b.type);
  });
  return out;
}

namespace {

class LogindCollector : public Collector {
 public:
  explicit LogindCollector(const LogindOptions& options)
      : options_(options),
        client_(options.address.empty() ? SystemBusAddress() : options.address, DBusClient::Kind::kBus) {}

  void Collect(MetricSet& out) override {
    auto deadline = DBusClient::Clock::now() + options_.timeout;
    std::vector<DBusMessagePtr> calls;
    calls.push_back(DBusMethodCall(kLogindService, kLogindPath, kLogindManager, "ListSeats"));
    calls.push_back(DBusMethodCall(kLogindService, kLogindPath, kLogindManager, "ListSessions"));
    auto lists = client_.CallAll(std::move(calls), deadline);
    auto seats = ParseListSeats(lists[0].get());
    if (!seats) throw std::runtime_error("unable to get seats: " + Problem(lists[0].get()));
    auto entries = ParseListSessions(lists[1].get());
    if (!entries) throw std::runtime_error("unable to get sessions: " + Problem(lists[1].get()));

    calls.clear();
    for (const auto& e : *entries) {
      for (const char* property : {"Remote", "Type", "Class"}) {
        calls.push_back(DBusPropertyGet(kLogindService, e.path, kLogindSession, property));
      }
    }
    std::vector<DBusMessagePtr> props;
    if (!calls.empty()) props = client_.CallAll(std::move(calls), deadline);

    std::vector<LogindSession> sessions;
    for (size_t i = 0; i < entries->size(); ++i) {
      // node_exporter leaves out a session whose properties cannot be read.
      auto remote = DBusVariantBool(props[3 * i].get());
      auto type = DBusVariantString(props[3 * i + 1].get());
      auto session_class = DBusVariantString(props[3 * i + 2].get());
      if (!remote || !type || !session_class) {
        log::Debug("couldn't get logind session properties", {{"session", (*entries)[i].id}});
        continue;
      }
      sessions.push_back({(*entries)[i].seat, *remote ? "true" : "false", LogindTypeLabel(*type),
                          LogindClassLabel(*session_class)});
    }
    for (const auto& s : LogindSamples(std::move(*seats), sessions)) {
      out.Gauge("node_logind_sessions", "Number of sessions registered in logind.",
                {{"class", s.session_class}, {"remote", s.remote}, {"seat", s.seat}, {"type", s.type}}, s.count);
    }
  }

 private:
  static std::string Problem(DBusMessage* reply) {
    std::string err = DBusErrorText(reply);
    return err.empty() ? "unexpected reply type" : err;
  }

  LogindOptions options_;
  DBusClient client_;
};

std::unique_ptr<Collector> CreateLogind(const Paths&) { return NewLogindCollector(LogindOptions{}); }

NODE_AGENT_REGISTER_COLLECTOR("logind", kDisabledByDefault, nullptr, &CreateLogind);

}  // namespace

std::unique_ptr<Collector> NewLogindCollector(const LogindOptions& options) {
  return std::make_unique<LogindCollector>(options);
}

}  // namespace node_agent
