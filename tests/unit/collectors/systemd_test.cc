// systemd collector: the parsers on strings and messages, and the collector
// against a real dbus-daemon serving a fake systemd
// (tests/support/fake_systemd_logind.py).
#include "collectors/systemd.h"

#include <dbus/dbus.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <chrono>

#include "agent/exposition.h"
#include "agent/scrape.h"
#include "collectors/loadavg.h"
#include "lib/dbus.h"
#include "tests/support/fake_dbus.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeSystemBus;

// A method return holding a(ssssssouso) with these (name, load, active) rows,
// as bytes on the wire.
std::string ListUnitsBytes(const std::vector<std::array<const char*, 3>>& rows) {
  DBusMessage* m = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
  dbus_message_set_reply_serial(m, 1);
  dbus_message_set_serial(m, 2);
  DBusMessageIter it, array, st;
  dbus_message_iter_init_append(m, &it);
  dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(ssssssouso)", &array);
  for (const auto& r : rows) {
    const char* desc = "d";
    const char* sub = "running";
    const char* empty = "";
    const char* path_c = "/org/freedesktop/systemd1/unit/u";
    const char* root = "/";
    dbus_uint32_t job = 0;
    dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, nullptr, &st);
    for (const char* s : {r[0], desc, r[1], r[2], sub, empty}) dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &s);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_OBJECT_PATH, &path_c);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &job);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &empty);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_OBJECT_PATH, &root);
    dbus_message_iter_close_container(&array, &st);
  }
  dbus_message_iter_close_container(&it, &array);
  std::string bytes = DBusMarshal(m);
  dbus_message_unref(m);
  return bytes;
}

TEST(SystemdParse, ListUnitsFromWire) {
  auto units = ParseListUnitsMessage(
      ListUnitsBytes({{"ssh.service", "loaded", "active"}, {"gone.service", "not-found", "inactive"}}));
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0].name, "ssh.service");
  EXPECT_EQ((*units)[0].load_state, "loaded");
  EXPECT_EQ((*units)[0].active_state, "active");
  EXPECT_EQ((*units)[0].path, "/org/freedesktop/systemd1/unit/u");
  EXPECT_EQ((*units)[1].load_state, "not-found");

  auto none = ParseListUnitsMessage(ListUnitsBytes({}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(SystemdParse, ListUnitsRejectsOtherReplies) {
  EXPECT_FALSE(ParseListUnitsMessage(""));
  EXPECT_FALSE(ParseListUnitsMessage("garbage that is not a D-Bus message at all"));
  std::string bytes = ListUnitsBytes({{"a.service", "loaded", "active"}});
  EXPECT_FALSE(ParseListUnitsMessage(bytes.substr(0, bytes.size() - 1)));  // truncated
  // Another signature: a(so), as ListSeats answers.
  EXPECT_FALSE(ParseListUnits(DBusReplyFromBody("a(ss)", std::string("\0\0\0\0", 4)).get()));
  // An error reply.
  DBusMessage* err = dbus_message_new(DBUS_MESSAGE_TYPE_ERROR);
  dbus_message_set_error_name(err, "org.freedesktop.DBus.Error.AccessDenied");
  EXPECT_FALSE(ParseListUnits(err));
  dbus_message_unref(err);
  EXPECT_FALSE(ParseListUnits(nullptr));
}

TEST(SystemdParse, ReplyFromBodyMatchesLibdbus) {
  // The fuzzer's way of building a message from a body gives what libdbus
  // itself marshals.
  std::string bytes = ListUnitsBytes({{"ssh.service", "loaded", "active"}});
  DBusMessagePtr m = DBusDemarshal(bytes);
  ASSERT_TRUE(m);
  const char* body = nullptr;
  int len = 0;
  // The body is what follows the 8-aligned header.
  uint32_t header_fields_len = 0;
  std::memcpy(&header_fields_len, bytes.data() + 12, 4);
  size_t body_at = (16 + header_fields_len + 7) / 8 * 8;
  body = bytes.data() + body_at;
  len = static_cast<int>(bytes.size() - body_at);
  auto units = ParseListUnits(DBusReplyFromBody("a(ssssssouso)", std::string_view(body, len)).get());
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ((*units)[0].name, "ssh.service");
  // A body that does not fit the signature is rejected by libdbus.
  EXPECT_FALSE(DBusReplyFromBody("a(ssssssouso)", std::string_view(body, len - 1)));
}

// The fuzzer's seeds (tests/fixtures/dbus_reply: a signature selector byte,
// then a body) are what the collectors read.
std::string Seed(const char* name) {
  std::ifstream f(testing::FixturePath(std::string("dbus_reply/") + name), std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return s.empty() ? s : s.substr(1);
}

TEST(SystemdParse, FuzzSeedsParse) {
  auto units = ParseListUnits(DBusReplyFromBody("a(ssssssouso)", Seed("list_units")).get());
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[1].name, "dbus.socket");
  EXPECT_EQ((*units)[1].active_state, "failed");
  EXPECT_EQ((*units)[1].path, "/org/freedesktop/systemd1/unit/dbus_2esocket");
  EXPECT_EQ(DBusVariantString(DBusReplyFromBody("v", Seed("variant_version")).get()), "252.22-1~deb12u1");
  EXPECT_EQ(DBusVariantUint64(DBusReplyFromBody("v", Seed("variant_u64")).get()), 1700000000123456u);
  EXPECT_EQ(DBusVariantUint32(DBusReplyFromBody("v", Seed("variant_u32")).get()), 3u);
  EXPECT_EQ(DBusVariantBool(DBusReplyFromBody("v", Seed("variant_bool")).get()), true);
  // A value of another type is not taken for this one.
  EXPECT_FALSE(DBusVariantUint32(DBusReplyFromBody("v", Seed("variant_u64")).get()));
  EXPECT_FALSE(DBusVariantString(DBusReplyFromBody("v", Seed("variant_u32")).get()));
}

// Every seed with each byte changed and cut at every length, under each
// signature: libdbus rejects or the readers read, never a crash (the
// fuzzer's job, done here deterministically in every build).
TEST(SystemdParse, MutatedRepliesNeverCrash) {
  const char* seeds[] = {"list_units", "list_seats", "list_sessions", "variant_version", "variant_u64"};
  const char* sigs[] = {"a(ssssssouso)", "a(so)", "a(susso)", "v"};
  size_t parsed = 0;
  auto read_all = [&](std::string_view body) {
    for (const char* sig : sigs) {
      DBusMessagePtr m = DBusReplyFromBody(sig, body);
      if (!m) continue;
      ++parsed;
      if (auto units = ParseListUnits(m.get())) {
        for (const auto& u : *units) EXPECT_EQ(u.path.substr(0, 1), "/");
      }
      if (auto v = DBusVariantString(m.get())) (void)ParseSystemdVersion(*v);
      (void)DBusVariantUint64(m.get());
    }
  };
  for (const char* name : seeds) {
    std::string seed = Seed(name);
    ASSERT_FALSE(seed.empty()) << name;
    for (size_t len = 0; len <= seed.size(); ++len) read_all(std::string_view(seed).substr(0, len));
    for (size_t i = 0; i < seed.size(); ++i) {
      for (int delta : {1, 0x80, 0xff}) {
        std::string m = seed;
        m[i] = static_cast<char>(m[i] + delta);
        read_all(m);
      }
    }
  }
  EXPECT_GT(parsed, 5u);
}

TEST(SystemdParse, Version) {
  auto v = ParseSystemdVersion("252.22-1~deb12u1");
  EXPECT_EQ(v.number, 252.22);
  EXPECT_EQ(v.label, "252.22-1~deb12u1");
  EXPECT_EQ(ParseSystemdVersion("245").number, 245);
  EXPECT_EQ(ParseSystemdVersion("v249.11-0ubuntu3").number, 249.11);
  EXPECT_EQ(ParseSystemdVersion("systemd 256 (256.5-1)").number, 256);
  EXPECT_EQ(ParseSystemdVersion("256.").number, 256);
  EXPECT_EQ(ParseSystemdVersion("1.22.3456").number, 3456);  // leftmost run of three digits
  // No version: 0 and an empty label, as when the property is missing.
  for (std::optional<std::string_view> none : {std::optional<std::string_view>("12.5"),
                                               std::optional<std::string_view>(""), std::optional<std::string_view>()}) {
    auto n = ParseSystemdVersion(none);
    EXPECT_EQ(n.number, 0);
    EXPECT_EQ(n.label, "");
  }
}

TEST(SystemdParse, Virtualization) {
  EXPECT_EQ(SystemdVirtualizationLabel(std::nullopt), "unknown");
  EXPECT_EQ(SystemdVirtualizationLabel(""), "none");
  EXPECT_EQ(SystemdVirtualizationLabel("kvm"), "kvm");
  EXPECT_EQ(SystemdVirtualizationLabel("\"docker\""), "docker");
}

TEST(SystemdParse, SummaryCountsEveryUnitAndEveryState) {
  std::vector<SystemdUnit> units = {{"a.service", "loaded", "active", ""},
                                    {"b.service", "not-found", "inactive", ""},
                                    {"c.service", "loaded", "active", ""},
                                    {"d.service", "loaded", "reloading", ""}};
  auto s = SummarizeSystemdUnits(units);
  std::map<std::string, double> want = {{"activating", 0}, {"active", 2},   {"deactivating", 0},
                                        {"failed", 0},     {"inactive", 1}, {"reloading", 1}};
  EXPECT_EQ(s, want);
  EXPECT_EQ(SummarizeSystemdUnits({}).size(), 5u);
}

SystemdUnit Loaded(const char* name) { return {name, "loaded", "active", ""}; }

TEST(SystemdFilter, DefaultsAndAnchoring) {
  SystemdUnitFilter def(kSystemdDefaultUnitInclude, kSystemdDefaultUnitExclude);
  EXPECT_TRUE(def.Included(Loaded("ssh.service")));
  EXPECT_TRUE(def.Included(Loaded("dbus.socket")));
  for (const char* out : {"home.mount", "init.scope", "user.slice", "dev-sda.device", "proc-sys.automount"}) {
    EXPECT_FALSE(def.Included(Loaded(out))) << out;
  }
  // Only loaded units.
  EXPECT_FALSE(def.Included({"gone.service", "not-found", "inactive", ""}));
  EXPECT_FALSE(def.Included({"bad.service", "error", "inactive", ""}));

  // ^(?:PATTERN)$: the whole name, and the alternation stays inside the group.
  SystemdUnitFilter f("ssh|cron\\.service", "");
  EXPECT_FALSE(f.Included(Loaded("ssh.service")));
  EXPECT_TRUE(f.Included(Loaded("ssh")));
  EXPECT_TRUE(f.Included(Loaded("cron.service")));
  EXPECT_FALSE(f.Included(Loaded("anacron.service")));
  // An empty exclude excludes only the empty name.
  EXPECT_TRUE(SystemdUnitFilter(".+", "").Included(Loaded("home.mount")));
  SystemdUnitFilter ex(".+", "ssh\\.service|.+\\.timer");
  EXPECT_FALSE(ex.Included(Loaded("ssh.service")));
  EXPECT_FALSE(ex.Included(Loaded("apt-daily.timer")));
  EXPECT_TRUE(ex.Included(Loaded("ssh.service.d")));
}

TEST(SystemdFilter, BadFlags) {
  SystemdOptions o;
  o.unit_include = "(";
  try {
    NewSystemdCollector(o);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.systemd.unit-include"), std::string::npos) << e.what();
  }
  // A deprecated alias replaces the flag, unless both were given.
  SystemdOptions both;
  both.unit_blacklist = "x";
  both.unit_exclude_set = true;
  EXPECT_THROW(NewSystemdCollector(both), std::invalid_argument);
  SystemdOptions alias;
  alias.unit_whitelist = "(";
  EXPECT_THROW(NewSystemdCollector(alias), std::invalid_argument);  // the alias' value is used
  SystemdOptions ok;
  ok.unit_blacklist = "x";
  EXPECT_NO_THROW(NewSystemdCollector(ok));
}

// --- against a real bus -----------------------------------------------------

class SystemdBus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = FakeSystemBus::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  static std::string Exposition(const MetricSet& set) {
    std::vector<EncodedFamily> fams = set.families();
    std::sort(fams.begin(), fams.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return SerializeText(fams);
  }
  static SystemdOptions On(const FakeSystemBus& bus) {
    SystemdOptions o;
    o.address = bus.address();
    return o;
  }
};

constexpr const char* kDefaultExposition = R"(# HELP node_systemd_socket_accepted_connections_total Total number of accepted socket connections
# TYPE node_systemd_socket_accepted_connections_total counter
node_systemd_socket_accepted_connections_total{name="dbus.socket"} 10
node_systemd_socket_accepted_connections_total{name="old.socket"} 5
# HELP node_systemd_socket_current_connections Current number of socket connections
# TYPE node_systemd_socket_current_connections gauge
node_systemd_socket_current_connections{name="dbus.socket"} 2
node_systemd_socket_current_connections{name="old.socket"} 0
# HELP node_systemd_socket_refused_connections_total Total number of refused socket connections
# TYPE node_systemd_socket_refused_connections_total gauge
node_systemd_socket_refused_connections_total{name="dbus.socket"} 1
# HELP node_systemd_system_running Whether the system is operational (see 'systemctl is-system-running')
# TYPE node_systemd_system_running gauge
node_systemd_system_running 1
# HELP node_systemd_timer_last_trigger_seconds Seconds since epoch of last trigger.
# TYPE node_systemd_timer_last_trigger_seconds gauge
node_systemd_timer_last_trigger_seconds{name="apt-daily.timer"} 1.7000000005e+09
# HELP node_systemd_unit_state Systemd unit
# TYPE node_systemd_unit_state gauge
node_systemd_unit_state{name="apt-daily.timer",state="activating",type=""} 0
node_systemd_unit_state{name="apt-daily.timer",state="active",type=""} 1
node_systemd_unit_state{name="apt-daily.timer",state="deactivating",type=""} 0
node_systemd_unit_state{name="apt-daily.timer",state="failed",type=""} 0
node_systemd_unit_state{name="apt-daily.timer",state="inactive",type=""} 0
node_systemd_unit_state{name="cron.service",state="activating",type="simple"} 0
node_systemd_unit_state{name="cron.service",state="active",type="simple"} 0
node_systemd_unit_state{name="cron.service",state="deactivating",type="simple"} 0
node_systemd_unit_state{name="cron.service",state="failed",type="simple"} 1
node_systemd_unit_state{name="cron.service",state="inactive",type="simple"} 0
node_systemd_unit_state{name="dbus.socket",state="activating",type=""} 0
node_systemd_unit_state{name="dbus.socket",state="active",type=""} 1
node_systemd_unit_state{name="dbus.socket",state="deactivating",type=""} 0
node_systemd_unit_state{name="dbus.socket",state="failed",type=""} 0
node_systemd_unit_state{name="dbus.socket",state="inactive",type=""} 0
node_systemd_unit_state{name="old.socket",state="activating",type=""} 0
node_systemd_unit_state{name="old.socket",state="active",type=""} 0
node_systemd_unit_state{name="old.socket",state="deactivating",type=""} 0
node_systemd_unit_state{name="old.socket",state="failed",type=""} 0
node_systemd_unit_state{name="old.socket",state="inactive",type=""} 1
node_systemd_unit_state{name="reload.service",state="activating",type="oneshot"} 0
node_systemd_unit_state{name="reload.service",state="active",type="oneshot"} 0
node_systemd_unit_state{name="reload.service",state="deactivating",type="oneshot"} 0
node_systemd_unit_state{name="reload.service",state="failed",type="oneshot"} 0
node_systemd_unit_state{name="reload.service",state="inactive",type="oneshot"} 0
node_systemd_unit_state{name="ssh.service",state="activating",type="notify"} 0
node_systemd_unit_state{name="ssh.service",state="active",type="notify"} 1
node_systemd_unit_state{name="ssh.service",state="deactivating",type="notify"} 0
node_systemd_unit_state{name="ssh.service",state="failed",type="notify"} 0
node_systemd_unit_state{name="ssh.service",state="inactive",type="notify"} 0
node_systemd_unit_state{name="weird.target",state="activating",type=""} 0
node_systemd_unit_state{name="weird.target",state="active",type=""} 0
node_systemd_unit_state{name="weird.target",state="deactivating",type=""} 1
node_systemd_unit_state{name="weird.target",state="failed",type=""} 0
node_systemd_unit_state{name="weird.target",state="inactive",type=""} 0
# HELP node_systemd_units Summary of systemd unit states
# TYPE node_systemd_units gauge
node_systemd_units{state="activating"} 1
node_systemd_units{state="active"} 5
node_systemd_units{state="deactivating"} 1
node_systemd_units{state="failed"} 1
node_systemd_units{state="inactive"} 2
node_systemd_units{state="reloading"} 1
# HELP node_systemd_version Detected systemd version
# TYPE node_systemd_version gauge
node_systemd_version{version="252.22-1~deb12u1"} 252.22
# HELP node_systemd_virtualization_info Detected virtualization technology
# TYPE node_systemd_virtualization_info gauge
node_systemd_virtualization_info{virtualization_type="kvm"} 1
)";

TEST_F(SystemdBus, DefaultFlagsExposition) {
  FakeSystemBus bus;
  auto c = NewSystemdCollector(On(bus));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Exposition(set), kDefaultExposition);

  // Only the properties the default metrics need, only for included units.
  auto gets = bus.Gets();
  std::sort(gets.begin(), gets.end());
  const std::string unit = "/org/freedesktop/systemd1/unit/";
  std::vector<std::string> want = {
      "/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager.SystemState",
      "/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager.Version",
      "/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager.Virtualization",
      unit + "apt_2ddaily_2etimer org.freedesktop.systemd1.Timer.LastTriggerUSec",
      unit + "cron_2eservice org.freedesktop.systemd1.Service.Type",
      unit + "dbus_2esocket org.freedesktop.systemd1.Socket.NAccepted",
      unit + "dbus_2esocket org.freedesktop.systemd1.Socket.NConnections",
      unit + "dbus_2esocket org.freedesktop.systemd1.Socket.NRefused",
      unit + "old_2esocket org.freedesktop.systemd1.Socket.NAccepted",
      unit + "old_2esocket org.freedesktop.systemd1.Socket.NConnections",
      unit + "old_2esocket org.freedesktop.systemd1.Socket.NRefused",
      unit + "reload_2eservice org.freedesktop.systemd1.Service.Type",
      unit + "ssh_2eservice org.freedesktop.systemd1.Service.Type",
  };
  EXPECT_EQ(gets, want);
}

TEST_F(SystemdBus, OptionalMetrics) {
  FakeSystemBus bus;
  SystemdOptions o = On(bus);
  o.restarts_metrics = o.task_metrics = o.start_time_metrics = true;
  auto c = NewSystemdCollector(o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(testing::Value(set, "node_systemd_service_restart_total", {{"name", "ssh.service"}}), 3);
  EXPECT_EQ(testing::Value(set, "node_systemd_service_restart_total", {{"name", "cron.service"}}), 0);
  // reload.service has no NRestarts: no sample.
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_service_restart_total"), 2u);
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_tasks_current", {{"name", "ssh.service"}}), 2);
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_tasks_max", {{"name", "ssh.service"}}), 4915);
  // The largest uint64 means "unset": no sample.
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_unit_tasks_current"), 1u);
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_unit_tasks_max"), 1u);
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_start_time_seconds", {{"name", "ssh.service"}}), 1700000000.123456);
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_start_time_seconds", {{"name", "dbus.socket"}}), 1500000000);
  // Inactive units: 0, without a call.
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_start_time_seconds", {{"name", "cron.service"}}), 0);
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_unit_start_time_seconds"), 7u);
  std::string text = Exposition(set);
  EXPECT_NE(text.find("# TYPE node_systemd_service_restart_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# HELP node_systemd_unit_start_time_seconds Start time of the unit since unix epoch in "
                      "seconds.\n"),
            std::string::npos);
  for (const auto& g : bus.Gets()) {
    if (g.find("ActiveEnterTimestamp") != std::string::npos) {
      EXPECT_TRUE(g.find("ssh_2e") != std::string::npos || g.find("apt_2ddaily") != std::string::npos ||
                  g.find("dbus_2esocket") != std::string::npos)
          << "start time asked of an inactive unit: " << g;
    }
  }
}

TEST_F(SystemdBus, IncludeExclude) {
  FakeSystemBus bus;
  SystemdOptions o = On(bus);
  o.unit_include = "ssh\\.service|home\\.mount|missing\\.service";
  o.unit_include_set = true;
  o.unit_exclude = "";
  o.unit_exclude_set = true;
  auto c = NewSystemdCollector(o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_unit_state"), 10u);  // missing.service is not loaded
  EXPECT_EQ(testing::Value(set, "node_systemd_unit_state", {{"name", "home.mount"}, {"state", "active"}, {"type", "ext4"}}),
            1);
  EXPECT_EQ(set.Find("node_systemd_socket_accepted_connections_total"), nullptr);
  EXPECT_EQ(set.Find("node_systemd_timer_last_trigger_seconds"), nullptr);
  // The summary still counts every unit.
  EXPECT_EQ(testing::Value(set, "node_systemd_units", {{"state", "active"}}), 5);
  for (const auto& g : bus.Gets()) {
    bool manager = g.rfind("/org/freedesktop/systemd1 ", 0) == 0;
    EXPECT_TRUE(manager || g.find("ssh_2eservice") != std::string::npos || g.find("home_2emount") != std::string::npos)
        << "property asked of an excluded unit: " << g;
  }
}

TEST_F(SystemdBus, OldSystemdHasNoTimersNorSystemState) {
  FakeSystemBus bus({"--version", "211", "--virtualization", ""});
  auto c = NewSystemdCollector(On(bus));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(testing::Value(set, "node_systemd_version", {{"version", "211"}}), 211);
  EXPECT_EQ(testing::Value(set, "node_systemd_virtualization_info", {{"virtualization_type", "none"}}), 1);
  EXPECT_EQ(set.Find("node_systemd_timer_last_trigger_seconds"), nullptr);
  EXPECT_EQ(set.Find("node_systemd_system_running"), nullptr);
  EXPECT_EQ(testing::SampleCount(set, "node_systemd_unit_state"), 35u);
}

TEST_F(SystemdBus, SystemNotRunning) {
  FakeSystemBus bus({"--system-state", "degraded"});
  auto c = NewSystemdCollector(On(bus));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(testing::Value(set, "node_systemd_system_running"), 0);
}

TEST_F(SystemdBus, ConnectionReusedAcrossScrapes) {
  FakeSystemBus bus;
  auto c = NewSystemdCollector(On(bus));
  for (int i = 0; i < 3; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(testing::Value(set, "node_systemd_system_running"), 1);
  }
  EXPECT_EQ(bus.Callers().size(), 1u);  // one connection, three scrapes
}

TEST_F(SystemdBus, StuckServiceCostsOneTimeoutThenRecovers) {
  FakeSystemBus bus;
  SystemdOptions o = On(bus);
  o.timeout = 300ms;
  auto c = NewSystemdCollector(o);
  MetricSet first;
  c->Collect(first);

  ASSERT_EQ(kill(bus.fake_pid(), SIGSTOP), 0);
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(c->Collect(set), std::runtime_error);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 3s);
  }
  ASSERT_EQ(kill(bus.fake_pid(), SIGCONT), 0);
  // The late replies of the stuck scrapes are dropped, not taken for this one's.
  MetricSet after;
  c->Collect(after);
  EXPECT_EQ(Exposition(after), kDefaultExposition);
  EXPECT_EQ(bus.Callers().size(), 1u);  // still the first connection
}

TEST_F(SystemdBus, StuckBusDaemonCostsOneTimeout) {
  FakeSystemBus bus;
  SystemdOptions o = On(bus);
  o.timeout = 300ms;
  auto c = NewSystemdCollector(o);
  MetricSet first;
  c->Collect(first);
  ASSERT_EQ(kill(bus.daemon_pid(), SIGSTOP), 0);
  MetricSet set;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_EQ(kill(bus.daemon_pid(), SIGCONT), 0);
  MetricSet after;
  c->Collect(after);
  EXPECT_EQ(testing::Value(after, "node_systemd_system_running"), 1);
}

TEST_F(SystemdBus, ReconnectsAfterBusRestart) {
  FakeSystemBus bus;
  auto c = NewSystemdCollector(On(bus));
  MetricSet first;
  c->Collect(first);
  bus.StopFake();
  bus.StopDaemon();
  bus.StartDaemon();
  bus.StartFake();
  // The first scrape after the restart already succeeds.
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Exposition(set), kDefaultExposition);
  EXPECT_EQ(bus.Callers().size(), 1u);
}

TEST_F(SystemdBus, NoBus) {
  testing::TempDir dir;
  SystemdOptions o;
  o.address = "unix:path=" + dir.path() + "/none";
  auto c = NewSystemdCollector(o);
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_TRUE(set.empty());
}

TEST_F(SystemdBus, PrivateSocketWithoutBus) {
  testing::TempDir dir;
  // The fake also serves systemd peer to peer, as /run/systemd/private does.
  FakeSystemBus bus({"--listen", "unix:path=" + dir.path() + "/private"});
  SystemdOptions o;
  o.private_socket = true;
  o.address = "unix:path=" + dir.path() + "/private";
  auto c = NewSystemdCollector(o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Exposition(set), kDefaultExposition);
}

TEST_F(SystemdBus, ScrapeDeadlineWithStuckService) {
  FakeSystemBus bus;
  SystemdOptions o = On(bus);
  o.timeout = 60s;  // longer than the scrape: the scrape's deadline must rule
  std::vector<Scraper::Named> named;
  named.push_back({"loadavg", NewLoadavgCollector(testing::FixturePaths(testing::FixturePath("loadavg/ec2")))});
  named.push_back({"systemd", NewSystemdCollector(o)});
  Scraper scraper(std::move(named), {});
  ASSERT_EQ(kill(bus.fake_pid(), SIGSTOP), 0);
  for (int i = 0; i < 2; ++i) {
    std::vector<EncodedFamily> fams;
    std::string error;
    auto start = Scraper::Clock::now();
    ASSERT_TRUE(scraper.Scrape({}, {}, fams, error, start + 300ms));
    auto took = Scraper::Clock::now() - start;
    EXPECT_LT(took, 2s);
    EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "systemd"}}), 0);
    EXPECT_NE(testing::ScrapedValue(fams, "node_load1", {}), -1);
  }
  // Resumed, the stuck Collect returns; the fake's teardown ends the rest.
  kill(bus.fake_pid(), SIGCONT);
}

}  // namespace
}  // namespace node_agent
