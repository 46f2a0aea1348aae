// logind collector: the parsers and the sample table, and the collector
// against a real dbus-daemon serving a fake logind
// (tests/support/fake_systemd_logind.py).
#include "collectors/logind.h"

#include <dbus/dbus.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <tuple>

#include "lib/dbus.h"
#include "tests/support/fake_dbus.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeSystemBus;

// ListSessions' a(susso) reply with these (id, seat) rows, as bytes.
std::string ListSessionsBytes(const std::vector<std::pair<const char*, const char*>>& rows) {
  DBusMessage* m = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
  dbus_message_set_reply_serial(m, 1);
  dbus_message_set_serial(m, 2);
  DBusMessageIter it, array, st;
  dbus_message_iter_init_append(m, &it);
  dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(susso)", &array);
  for (const auto& [id, seat] : rows) {
    dbus_uint32_t uid = 1000;
    const char* user = "alice";
    const char* path = "/org/freedesktop/login1/session/_31";
    dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, nullptr, &st);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &id);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &uid);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &user);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &seat);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_OBJECT_PATH, &path);
    dbus_message_iter_close_container(&array, &st);
  }
  dbus_message_iter_close_container(&it, &array);
  std::string bytes = DBusMarshal(m);
  dbus_message_unref(m);
  return bytes;
}

TEST(LogindParse, ListSessions) {
  auto s = ParseListSessionsMessage(ListSessionsBytes({{"1", "seat0"}, {"c2", ""}}));
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].id, "1");
  EXPECT_EQ((*s)[0].seat, "seat0");
  EXPECT_EQ((*s)[0].path, "/org/freedesktop/login1/session/_31");
  EXPECT_EQ((*s)[1].seat, "");
  EXPECT_FALSE(ParseListSessionsMessage("not a message"));
  // A ListSessions answer is not a ListSeats one.
  EXPECT_FALSE(ParseListSeatsMessage(ListSessionsBytes({{"1", "seat0"}})));
}

TEST(LogindParse, ListSeats) {
  // a(so) with one row ("seat0", "/s"): array length, padding to the struct's
  // 8-byte alignment, string, path.
  std::string body;
  auto u32 = [&](uint32_t v) { body.append(reinterpret_cast<const char*>(&v), 4); };
  u32(0);  // array length, set below
  u32(0);  // padding to 8
  u32(5);
  body.append("seat0\0", 6);
  body.append(2, '\0');  // pad to 4
  u32(2);
  body.append("/s\0", 3);
  uint32_t len = static_cast<uint32_t>(body.size() - 8);
  std::memcpy(body.data(), &len, 4);
  auto seats = ParseListSeats(DBusReplyFromBody("a(so)", body).get());
  ASSERT_TRUE(seats);
  EXPECT_EQ(*seats, std::vector<std::string>{"seat0"});
  EXPECT_FALSE(ParseListSeats(DBusReplyFromBody("a(ss)", body).get()));  // "/s" is fine, but not the signature
}

TEST(LogindParse, FuzzSeedsParse) {
  auto read = [](const char* name) {
    std::ifstream f(testing::FixturePath(std::string("dbus_reply/") + name), std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return s.empty() ? s : s.substr(1);
  };
  auto seats = ParseListSeats(DBusReplyFromBody("a(so)", read("list_seats")).get());
  ASSERT_TRUE(seats);
  EXPECT_EQ(*seats, (std::vector<std::string>{"seat0", "seat1"}));
  auto sessions = ParseListSessions(DBusReplyFromBody("a(susso)", read("list_sessions")).get());
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[1].id, "2");
  EXPECT_EQ((*sessions)[1].seat, "");
}

TEST(LogindParse, KnownValuesOrOther) {
  EXPECT_EQ(LogindTypeLabel("wayland"), "wayland");
  EXPECT_EQ(LogindTypeLabel("unspecified"), "unspecified");
  EXPECT_EQ(LogindTypeLabel("brand-new"), "other");
  EXPECT_EQ(LogindTypeLabel(""), "other");
  EXPECT_EQ(LogindClassLabel("lock-screen"), "lock-screen");
  EXPECT_EQ(LogindClassLabel("manager"), "other");  // added to logind after v229
}

TEST(LogindSamples, EveryCombinationSorted) {
  std::vector<LogindSession> sessions = {
      {"seat0", "false", "x11", "user"}, {"", "true", "tty", "user"}, {"", "true", "tty", "user"},
      {"seat9", "false", "tty", "user"},  // not a listed seat: not counted
  };
  auto samples = LogindSamples({"seat0"}, sessions);
  // 5 classes x 2 remote x (seat0 and "") x 7 types.
  ASSERT_EQ(samples.size(), 140u);
  EXPECT_EQ(samples.front().session_class, "background");
  EXPECT_EQ(samples.front().remote, "false");
  EXPECT_EQ(samples.front().seat, "");
  EXPECT_EQ(samples.front().type, "mir");
  EXPECT_EQ(samples.back().session_class, "user");
  EXPECT_EQ(samples.back().type, "x11");
  double total = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    total += samples[i].count;
    if (i > 0) {
      const auto& a = samples[i - 1];
      const auto& b = samples[i];
      EXPECT_LT(std::tie(a.session_class, a.remote, a.seat, a.type), std::tie(b.session_class, b.remote, b.seat, b.type));
    }
    if (samples[i].session_class == "user" && samples[i].remote == "true" && samples[i].seat.empty() &&
        samples[i].type == "tty") {
      EXPECT_EQ(samples[i].count, 2);
    }
  }
  EXPECT_EQ(total, 3);
  // A seat listed twice, or listed as "", gives no duplicate series.
  EXPECT_EQ(LogindSamples({"seat0", "seat0", ""}, {}).size(), 140u);
}

class LogindBus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = FakeSystemBus::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};

double Sessions(const MetricSet& set, const char* cls, const char* remote, const char* seat, const char* type) {
  return testing::Value(set, "node_logind_sessions", {{"class", cls}, {"remote", remote}, {"seat", seat}, {"type", type}});
}

TEST_F(LogindBus, SessionsBySeatRemoteTypeClass) {
  FakeSystemBus bus;
  LogindOptions o;
  o.address = bus.address();
  auto c = NewLogindCollector(o);
  for (int scrape = 0; scrape < 2; ++scrape) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(testing::SampleCount(set, "node_logind_sessions"), 140u);
    EXPECT_EQ(Sessions(set, "user", "false", "seat0", "x11"), 1);
    EXPECT_EQ(Sessions(set, "user", "true", "", "tty"), 2);
    EXPECT_EQ(Sessions(set, "greeter", "false", "seat0", "wayland"), 1);
    EXPECT_EQ(Sessions(set, "other", "true", "", "other"), 1);  // values logind added later
    EXPECT_EQ(Sessions(set, "user", "false", "seat0", "tty"), 0);
    std::string text = testing::Serialize(set);
    EXPECT_EQ(text.rfind("# HELP node_logind_sessions Number of sessions registered in logind.\n"
                         "# TYPE node_logind_sessions gauge\n"
                         "node_logind_sessions{class=\"background\",remote=\"false\",seat=\"\",type=\"mir\"} 0\n",
                         0),
              0u)
        << text.substr(0, 400);
  }
  EXPECT_EQ(bus.Callers().size(), 1u);  // one connection for both scrapes
}

TEST_F(LogindBus, StuckServiceCostsOneTimeout) {
  FakeSystemBus bus;
  LogindOptions o;
  o.address = bus.address();
  o.timeout = 300ms;
  auto c = NewLogindCollector(o);
  ASSERT_EQ(kill(bus.fake_pid(), SIGSTOP), 0);
  MetricSet set;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(set.empty());
  ASSERT_EQ(kill(bus.fake_pid(), SIGCONT), 0);
  MetricSet after;
  c->Collect(after);
  EXPECT_EQ(Sessions(after, "user", "true", "", "tty"), 2);
}

TEST_F(LogindBus, ReconnectsAfterBusRestart) {
  FakeSystemBus bus;
  LogindOptions o;
  o.address = bus.address();
  auto c = NewLogindCollector(o);
  MetricSet first;
  c->Collect(first);
  bus.StopFake();
  bus.StopDaemon();
  bus.StartDaemon();
  bus.StartFake();
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Sessions(set, "user", "true", "", "tty"), 2);
}

}  // namespace
}  // namespace node_agent
