// A private dbus-daemon (its own config, a socket in a temp dir) serving
// tests/support/fake_systemd_logind.py, for the systemd and logind
// collectors' tests: real D-Bus, real libdbus, no mocks.
#pragma once

#include <dbus/dbus.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/build_paths.h"
#include "lib/dbus.h"
#include "tests/support/test_util.h"

namespace node_agent::testing {

class FakeSystemBus {
 public:
  static constexpr const char* kPython = "/usr/bin/python3";
  static constexpr const char* kDaemon = "/usr/bin/dbus-daemon";

  // Why these tests cannot run here, or "" when they can.
  static std::string Unavailable() {
    if (access(kDaemon, X_OK) != 0) return "dbus-daemon not installed (Debian package dbus-daemon)";
    std::string cmd = std::string(kPython) + " -c 'import dbus, dbus.service, gi' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return "python3-dbus / python3-gi not installed";
    return "";
  }

  // `fake_args`: extra arguments of fake_systemd_logind.py (--version ...).
  explicit FakeSystemBus(std::vector<std::string> fake_args = {}) : fake_args_(std::move(fake_args)) {
    address_ = "unix:path=" + dir_.path() + "/bus";
    std::ofstream(dir_.path() + "/bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>node-agent-test</type>\n"
        << "<listen>" << address_ << "</listen><auth>EXTERNAL</auth>\n"
        << "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
           "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n";
    StartDaemon();
    StartFake();
  }
  ~FakeSystemBus() {
    StopFake();
    StopDaemon();
  }

  const std::string& address() const { return address_; }
  const std::string& dir() const { return dir_.path(); }
  // Where the fake also serves systemd peer to peer, with --listen.
  std::string PrivateAddress() const { return "unix:path=" + dir_.path() + "/private"; }
  pid_t fake_pid() const { return fake_pid_; }
  pid_t daemon_pid() const { return daemon_pid_; }

  void StartDaemon() {
    std::string conf = "--config-file=" + dir_.path() + "/bus.conf";
    // Its stderr (a warning that it cannot raise its fd limit) is not wanted.
    daemon_pid_ = Spawn({kDaemon, conf, "--nofork", "--print-address=1"}, "unix:", /*quiet=*/true);
  }
  void StartFake() {
    std::vector<std::string> argv = {kPython, std::string(NODE_AGENT_SOURCE_DIR) + "/tests/support/fake_systemd_logind.py",
                                     address_};
    argv.insert(argv.end(), fake_args_.begin(), fake_args_.end());
    fake_pid_ = Spawn(argv, "ready");
  }
  void StopDaemon() { Stop(daemon_pid_); }
  void StopFake() {
    if (fake_pid_ > 0) kill(fake_pid_, SIGCONT);
    Stop(fake_pid_);
  }

  // org.nodeagent.Test on the fake: who called, which properties were asked.
  std::vector<std::string> Callers() { return Strings("Callers"); }
  std::vector<std::string> Gets() { return Strings("Gets"); }
  void Reset() { Call("Reset"); }

 private:
  // Starts argv with stdout on a pipe and waits (bounded) for a line that
  // starts with `ready_prefix`: the process is then serving.
  static pid_t Spawn(const std::vector<std::string>& argv, const std::string& ready_prefix, bool quiet = false) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      if (quiet) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fds[0], POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[256];
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);  // the child's later output goes to a closed pipe: it prints nothing more
    if (out.rfind(ready_prefix, 0) != 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      throw std::runtime_error(argv[0] + " did not start: " + out);
    }
    return pid;
  }
  static void Stop(pid_t& pid) {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = 0;
  }

  std::vector<DBusMessagePtr> Call(const char* method) {
    DBusClient client(address_, DBusClient::Kind::kBus);
    std::vector<DBusMessagePtr> calls;
    calls.push_back(DBusMethodCall("org.freedesktop.systemd1", "/", "org.nodeagent.Test", method));
    return client.CallAll(std::move(calls), std::chrono::steady_clock::now() + std::chrono::seconds(10));
  }
  std::vector<std::string> Strings(const char* method) {
    auto reply = Call(method);
    std::vector<std::string> out;
    DBusMessageIter it, array;
    if (!dbus_message_iter_init(reply[0].get(), &it) || dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY) {
      throw std::runtime_error(std::string("org.nodeagent.Test.") + method + ": " + DBusErrorText(reply[0].get()));
    }
    dbus_message_iter_recurse(&it, &array);
    while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING) {
      const char* s = nullptr;
      dbus_message_iter_get_basic(&array, &s);
      out.emplace_back(s);
      dbus_message_iter_next(&array);
    }
    return out;
  }

  TempDir dir_;
  std::vector<std::string> fake_args_;
  std::string address_;
  pid_t daemon_pid_ = 0;
  pid_t fake_pid_ = 0;
};

}  // namespace node_agent::testing
