// A D-Bus client for collectors (systemd, logind) over libdbus: one connection
// kept across scrapes and reopened when it breaks, calls sent as a batch and
// their replies awaited together, every wait bounded by the caller's deadline.
// libdbus's own blocking helpers (dbus_bus_register, send_with_reply_and_block)
// wait up to 25 s and are not used.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// libdbus's types (dbus/dbus.h), kept out of the collectors' headers.
struct DBusMessage;
struct DBusConnection;

namespace node_agent {

struct DBusMessageDeleter {
  void operator()(DBusMessage* m) const;
};
using DBusMessagePtr = std::unique_ptr<DBusMessage, DBusMessageDeleter>;

// The system bus: $DBUS_SYSTEM_BUS_ADDRESS (as libdbus and godbus read it),
// else unix:path=/var/run/dbus/system_bus_socket.
std::string SystemBusAddress();

// A method call with no arguments. `dest` may be null (a direct connection).
DBusMessagePtr DBusMethodCall(const char* dest, const std::string& path, const char* iface,
                              const char* method);
// org.freedesktop.DBus.Properties.Get(iface, property).
DBusMessagePtr DBusPropertyGet(const char* dest, const std::string& path, const char* iface,
                               const char* property);

class DBusClient {
 public:
  using Clock = std::chrono::steady_clock;
  // kBus: a message bus (dbus-daemon): the connection says Hello first.
  // kDirect: a peer-to-peer socket (systemd's /run/systemd/private).
  enum class Kind { kBus, kDirect };

  DBusClient(std::string address, Kind kind);
  ~DBusClient();
  DBusClient(const DBusClient&) = delete;
  DBusClient& operator=(const DBusClient&) = delete;

  // Sends every call at once, then waits for all replies: one round trip
  // for the batch however many calls it holds. Element i of the result is
  // the reply to calls[i], a method return or an error message. Opens the
  // connection first when there is none or the last one broke. Throws
  // std::runtime_error when it cannot connect, when the connection breaks,
  // or when `deadline` passes before every reply came (the calls still out
  // are cancelled; their late replies are dropped on the next call).
  std::vector<DBusMessagePtr> CallAll(std::vector<DBusMessagePtr> calls, Clock::time_point deadline);

  // Connections opened so far (tests: reuse across scrapes, reconnection).
  uint64_t connections_opened() const { return opened_; }
  const std::string& address() const { return address_; }

 private:
  void EnsureConnected(Clock::time_point deadline);
  void Close();
  std::vector<DBusMessagePtr> SendAndWait(std::vector<DBusMessagePtr>& calls, Clock::time_point deadline);

  std::string address_;
  Kind kind_;
  DBusConnection* conn_ = nullptr;
  uint64_t opened_ = 0;
};

// Reading replies. All return nullopt for an error reply or a reply that
// does not hold the expected type (the peer is not trusted to send it).

// "NAME: text" of an error reply; "" for any other message.
std::string DBusErrorText(DBusMessage* reply);
// The value of a Properties.Get reply: one variant of this basic type.
std::optional<std::string> DBusVariantString(DBusMessage* reply);
std::optional<uint32_t> DBusVariantUint32(DBusMessage* reply);
std::optional<uint64_t> DBusVariantUint64(DBusMessage* reply);
std::optional<bool> DBusVariantBool(DBusMessage* reply);

// One member of a struct in an array reply: a string, object path or
// signature as text; any integer or boolean as a number.
struct DBusField {
  std::string text;
  uint64_t number = 0;
};
using DBusRow = std::vector<DBusField>;
// The rows of a reply whose only argument is an array of structs whose
// members have exactly the basic types `member_types` (e.g. "ssssssouso" for
// ListUnits' a(ssssssouso)); nullopt for an error reply or any other
// signature.
std::optional<std::vector<DBusRow>> DBusStructArray(DBusMessage* reply, std::string_view member_types);

// Wire format, for tests and fuzzers: a message from its bytes as libdbus
// validates untrusted input (nullptr when it rejects them), and a method
// return built around a raw body with the given signature (nullptr when
// libdbus rejects the body for that signature).
DBusMessagePtr DBusDemarshal(std::string_view bytes);
DBusMessagePtr DBusReplyFromBody(std::string_view signature, std::string_view body);
std::string DBusMarshal(DBusMessage* message);

}  // namespace node_agent
