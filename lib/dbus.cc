#include "lib/dbus.h"

#include <dbus/dbus.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

void DBusMessageDeleter::operator()(DBusMessage* m) const {
  if (m) dbus_message_unref(m);
}

std::string SystemBusAddress() {
  const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  if (env && *env) return env;
  return "unix:path=/var/run/dbus/system_bus_socket";
}

DBusMessagePtr DBusMethodCall(const char* dest, const std::string& path, const char* iface,
                              const char* method) {
  DBusMessage* m = dbus_message_new_method_call(dest, path.c_str(), iface, method);
  if (!m) throw std::runtime_error(fmt::format("cannot build D-Bus call {}.{} on {}", iface, method, path));
  return DBusMessagePtr(m);
}

DBusMessagePtr DBusPropertyGet(const char* dest, const std::string& path, const char* iface,
                               const char* property) {
  DBusMessagePtr m = DBusMethodCall(dest, path, DBUS_INTERFACE_PROPERTIES, "Get");
  if (!dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &property,
                                DBUS_TYPE_INVALID)) {
    throw std::runtime_error("out of memory building a D-Bus call");
  }
  return m;
}

namespace {

int MillisLeft(DBusClient::Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - DBusClient::Clock::now());
  if (left.count() <= 0) return 0;
  // Rounded up, so a wait never ends just before the deadline and spins.
  return static_cast<int>(std::min<long long>(left.count() + 1, 60'000));
}

void CountCompleted(DBusPendingCall*, void* counter) { ++*static_cast<size_t*>(counter); }

}  // namespace

DBusClient::DBusClient(std::string address, Kind kind) : address_(std::move(address)), kind_(kind) {
  // Collect runs on whichever runner thread the scraper picks.
  dbus_threads_init_default();
}

DBusClient::~DBusClient() { Close(); }

void DBusClient::Close() {
  if (!conn_) return;
  dbus_connection_close(conn_);
  dbus_connection_unref(conn_);
  conn_ = nullptr;
}

void DBusClient::EnsureConnected(Clock::time_point deadline) {
  if (conn_) {
    // Notices a peer that hung up since the last scrape, and drops replies
    // that came after their calls were given up.
    dbus_connection_read_write(conn_, 0);
    while (DBusMessage* stale = dbus_connection_pop_message(conn_)) dbus_message_unref(stale);
    // Still-unsent calls from the last scrape: the other end stopped reading;
    // a fresh connection rather than a queue that grows every scrape.
    if (!dbus_connection_get_is_connected(conn_) || dbus_connection_has_messages_to_send(conn_)) {
      log::Debug("D-Bus connection lost; reconnecting", {{"address", address_}});
      Close();
    }
  }
  if (conn_) return;
  DBusError err;
  dbus_error_init(&err);
  // Returns once the socket is connected; authentication happens in the
  // first reads and writes, which SendAndWait bounds by the deadline.
  DBusConnection* c = dbus_connection_open_private(address_.c_str(), &err);
  if (!c) {
    std::string why = fmt::format("couldn't connect to D-Bus at {}: {}", address_,
                                  err.message ? err.message : "unknown error");
    dbus_error_free(&err);
    throw std::runtime_error(why);
  }
  dbus_connection_set_exit_on_disconnect(c, FALSE);
  conn_ = c;
  ++opened_;
  if (kind_ == Kind::kBus) {
    std::vector<DBusMessagePtr> hello;
    hello.push_back(DBusMethodCall(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello"));
    std::vector<DBusMessagePtr> reply;
    try {
      reply = SendAndWait(hello, deadline);
    } catch (...) {
      Close();  // a connection that never said Hello is not kept
      throw;
    }
    if (dbus_message_get_type(reply[0].get()) == DBUS_MESSAGE_TYPE_ERROR) {
      std::string why = fmt::format("D-Bus Hello to {} failed: {}", address_, DBusErrorText(reply[0].get()));
      Close();
      throw std::runtime_error(why);
    }
  }
}

std::vector<DBusMessagePtr> DBusClient::CallAll(std::vector<DBusMessagePtr> calls, Clock::time_point deadline) {
  EnsureConnected(deadline);
  return SendAndWait(calls, deadline);
}

std::vector<DBusMessagePtr> DBusClient::SendAndWait(std::vector<DBusMessagePtr>& calls, Clock::time_point deadline) {
  std::vector<DBusPendingCall*> pending(calls.size(), nullptr);
  size_t completed = 0;
  auto release = [&] {
    for (DBusPendingCall* p : pending) {
      if (!p) continue;
      if (!dbus_pending_call_get_completed(p)) dbus_pending_call_cancel(p);
      dbus_pending_call_unref(p);
    }
  };
  bool sent = true;
  for (size_t i = 0; i < calls.size() && sent; ++i) {
    // No libdbus timeout: without a main loop it would never fire; the
    // deadline below bounds the wait instead.
    sent = dbus_connection_send_with_reply(conn_, calls[i].get(), &pending[i], DBUS_TIMEOUT_INFINITE) &&
           pending[i] != nullptr &&
           dbus_pending_call_set_notify(pending[i], &CountCompleted, &completed, nullptr);
  }
  if (!sent) {
    release();
    Close();
    throw std::runtime_error(fmt::format("D-Bus connection to {} is closed", address_));
  }
  while (completed < calls.size()) {
    int wait_ms = MillisLeft(deadline);
    if (wait_ms == 0) {
      release();
      throw std::runtime_error(fmt::format("D-Bus at {}: {} of {} replies missing at the deadline", address_,
                                           calls.size() - completed, calls.size()));
    }
    // One read or write (waiting at most until the deadline), then every
    // message it brought is dispatched, which completes their pending calls.
    // A broken connection completes every pending call with an error.
    bool open = dbus_connection_read_write(conn_, wait_ms);
    while (dbus_connection_dispatch(conn_) == DBUS_DISPATCH_DATA_REMAINS) {
    }
    if (!open && completed < calls.size()) {
      release();
      Close();
      throw std::runtime_error(fmt::format("D-Bus connection to {} closed", address_));
    }
  }
  std::vector<DBusMessagePtr> replies(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) replies[i].reset(dbus_pending_call_steal_reply(pending[i]));
  release();
  for (const auto& r : replies) {
    if (!r) throw std::runtime_error(fmt::format("D-Bus at {}: a call completed without a reply", address_));
  }
  return replies;
}

std::string DBusErrorText(DBusMessage* reply) {
  if (!reply || dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR) return "";
  const char* name = dbus_message_get_error_name(reply);
  const char* text = nullptr;
  DBusMessageIter it;
  if (dbus_message_iter_init(reply, &it) && dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING) {
    dbus_message_iter_get_basic(&it, &text);
  }
  return fmt::format("{}: {}", name ? name : "error", text ? text : "");
}

namespace {

// The basic value inside the single variant a Properties.Get reply holds.
bool VariantValue(DBusMessage* reply, int type, void* value) {
  if (!reply || dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_METHOD_RETURN) return false;
  DBusMessageIter it, inner;
  if (!dbus_message_iter_init(reply, &it) || dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_VARIANT) {
    return false;
  }
  dbus_message_iter_recurse(&it, &inner);
  if (dbus_message_iter_get_arg_type(&inner) != type) return false;
  dbus_message_iter_get_basic(&inner, value);
  return true;
}

}  // namespace

std::optional<std::string> DBusVariantString(DBusMessage* reply) {
  const char* s = nullptr;
  if (!VariantValue(reply, DBUS_TYPE_STRING, &s) || !s) return std::nullopt;
  return std::string(s);
}

std::optional<uint32_t> DBusVariantUint32(DBusMessage* reply) {
  dbus_uint32_t v = 0;
  if (!VariantValue(reply, DBUS_TYPE_UINT32, &v)) return std::nullopt;
  return v;
}

std::optional<uint64_t> DBusVariantUint64(DBusMessage* reply) {
  dbus_uint64_t v = 0;
  if (!VariantValue(reply, DBUS_TYPE_UINT64, &v)) return std::nullopt;
  return v;
}

std::optional<bool> DBusVariantBool(DBusMessage* reply) {
  dbus_bool_t v = 0;
  if (!VariantValue(reply, DBUS_TYPE_BOOLEAN, &v)) return std::nullopt;
  return v != 0;
}

namespace {

// One basic member of a struct; false for a type this reader does not take.
bool ReadField(DBusMessageIter* it, DBusField& f) {
  DBusBasicValue v;
  std::memset(&v, 0, sizeof v);
  int type = dbus_message_iter_get_arg_type(it);
  if (!dbus_type_is_basic(type) || type == DBUS_TYPE_UNIX_FD || type == DBUS_TYPE_DOUBLE) return false;
  dbus_message_iter_get_basic(it, &v);
  switch (type) {
    case DBUS_TYPE_STRING:
    case DBUS_TYPE_OBJECT_PATH:
    case DBUS_TYPE_SIGNATURE: f.text = v.str ? v.str : ""; break;
    case DBUS_TYPE_BYTE: f.number = v.byt; break;
    case DBUS_TYPE_BOOLEAN: f.number = v.bool_val ? 1 : 0; break;
    case DBUS_TYPE_INT16: f.number = static_cast<uint64_t>(static_cast<int64_t>(v.i16)); break;
    case DBUS_TYPE_UINT16: f.number = v.u16; break;
    case DBUS_TYPE_INT32: f.number = static_cast<uint64_t>(static_cast<int64_t>(v.i32)); break;
    case DBUS_TYPE_UINT32: f.number = v.u32; break;
    case DBUS_TYPE_INT64: f.number = static_cast<uint64_t>(v.i64); break;
    case DBUS_TYPE_UINT64: f.number = v.u64; break;
    default: return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<DBusRow>> DBusStructArray(DBusMessage* reply, std::string_view member_types) {
  if (!reply || dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_METHOD_RETURN) return std::nullopt;
  const char* sig = dbus_message_get_signature(reply);
  if (!sig || std::string_view(sig) != fmt::format("a({})", member_types)) return std::nullopt;
  DBusMessageIter it, array;
  if (!dbus_message_iter_init(reply, &it)) return std::nullopt;
  dbus_message_iter_recurse(&it, &array);
  std::vector<DBusRow> rows;
  while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
    DBusMessageIter member;
    dbus_message_iter_recurse(&array, &member);
    DBusRow row(member_types.size());
    for (size_t i = 0; i < row.size(); ++i) {
      if (!ReadField(&member, row[i])) return std::nullopt;
      dbus_message_iter_next(&member);
    }
    rows.push_back(std::move(row));
    dbus_message_iter_next(&array);
  }
  return rows;
}

DBusMessagePtr DBusDemarshal(std::string_view bytes) {
  // libdbus reads the lengths from the header: it must see the whole message.
  if (bytes.size() < DBUS_MINIMUM_HEADER_SIZE ||
      dbus_message_demarshal_bytes_needed(bytes.data(), static_cast<int>(bytes.size())) !=
          static_cast<int>(bytes.size())) {
    return nullptr;
  }
  DBusError err;
  dbus_error_init(&err);
  DBusMessage* m = dbus_message_demarshal(bytes.data(), static_cast<int>(bytes.size()), &err);
  dbus_error_free(&err);
  return DBusMessagePtr(m);
}

DBusMessagePtr DBusReplyFromBody(std::string_view signature, std::string_view body) {
  if (signature.size() > 255 || body.size() > (1u << 24)) return nullptr;
  auto u32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
  std::string m;
  m += (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) ? 'l' : 'B';
  m += static_cast<char>(DBUS_MESSAGE_TYPE_METHOD_RETURN);
  m += '\0';  // flags
  m += static_cast<char>(DBUS_MAJOR_PROTOCOL_VERSION);
  u32(m, static_cast<uint32_t>(body.size()));
  u32(m, 2);  // serial
  std::string fields;  // starts at offset 16, which is 8-aligned
  fields += static_cast<char>(DBUS_HEADER_FIELD_REPLY_SERIAL);
  fields.append("\x01u\0", 3);
  u32(fields, 1);
  if (!signature.empty()) {
    fields += static_cast<char>(DBUS_HEADER_FIELD_SIGNATURE);
    fields.append("\x01g\0", 3);
    fields += static_cast<char>(signature.size());
    fields.append(signature);
    fields += '\0';
  }
  u32(m, static_cast<uint32_t>(fields.size()));
  m += fields;
  while (m.size() % 8 != 0) m += '\0';
  m.append(body);
  return DBusDemarshal(m);
}

std::string DBusMarshal(DBusMessage* message) {
  char* data = nullptr;
  int len = 0;
  if (!message || !dbus_message_marshal(message, &data, &len)) return "";
  std::string out(data, static_cast<size_t>(len));
  dbus_free(data);
  return out;
}

}  // namespace node_agent

#ifdef NODE_AGENT_DBUS_STATIC
// libdbus-1.a refers to libsystemd for socket activation of a D-Bus server,
// which a client never uses; Debian ships no libsystemd.a, so the static
// binary gets these two as "no sockets passed".
extern "C" int sd_listen_fds(int) { return 0; }
extern "C" int sd_is_socket(int, int, int, int) { return 0; }
#endif
