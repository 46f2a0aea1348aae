// D-Bus replies as the systemd and logind collectors read them, from a peer
// that is not trusted (whatever owns org.freedesktop.systemd1/login1):
// ListUnits, ListSeats, ListSessions and property values. The first byte
// picks the signature the rest is a body of (libdbus validates it against
// that signature), or the rest as a whole message.
// seeds: dbus_reply
#include <cstdint>
#include <iterator>

#include "collectors/logind.h"
#include "collectors/systemd.h"
#include "lib/dbus.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void ParseAll(DBusMessage* m) {
  using namespace node_agent;
  if (auto units = ParseListUnits(m)) {
    for (const auto& u : *units) FUZZ_CHECK(!u.path.empty() && u.path[0] == '/');
    auto summary = SummarizeSystemdUnits(*units);
    FUZZ_CHECK(summary.size() >= 5);
    static const SystemdUnitFilter filter(kSystemdDefaultUnitInclude, kSystemdDefaultUnitExclude);
    for (const auto& u : *units) (void)filter.Included(u);
  }
  if (auto seats = ParseListSeats(m)) {
    FUZZ_CHECK(LogindSamples(*seats, {}).size() % 70 == 0);
  }
  if (auto sessions = ParseListSessions(m)) {
    for (const auto& s : *sessions) FUZZ_CHECK(!s.path.empty() && s.path[0] == '/');
  }
  if (auto v = DBusVariantString(m)) {
    auto version = ParseSystemdVersion(*v);
    FUZZ_CHECK(version.number >= 0);
    node_agent::fuzz::CheckExposesExactly(version.number);
    FUZZ_CHECK(!SystemdVirtualizationLabel(*v).empty());
    FUZZ_CHECK(!LogindTypeLabel(*v).empty() && !LogindClassLabel(*v).empty());
  }
  (void)DBusVariantUint32(m);
  (void)DBusVariantUint64(m);
  (void)DBusVariantBool(m);
  (void)DBusErrorText(m);
}

}  // namespace

FUZZ_TEST(data) {
  if (data.empty()) return;
  static constexpr std::string_view kSignatures[] = {"a(ssssssouso)", "a(so)", "a(susso)", "v"};
  size_t pick = static_cast<uint8_t>(data[0]) % (std::size(kSignatures) + 1);
  std::string_view rest = data.substr(1);
  node_agent::DBusMessagePtr m = pick < std::size(kSignatures) ? node_agent::DBusReplyFromBody(kSignatures[pick], rest)
                                                              : node_agent::DBusDemarshal(rest);
  if (m) ParseAll(m.get());
}
