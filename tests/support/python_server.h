// A python3 helper process for tests of collectors that talk to a server
// (supervisord's XML-RPC, an SNTP server): the script binds 127.0.0.1 (or a
// unix socket), prints one line (its port or path) and serves until the test
// ends, when it is killed. No sleeps: the first line is read with a timeout.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace node_agent::testing {

class PythonServer {
 public:
  // Runs `python3 -c script args...`; throws when it does not print its
  // first line within `timeout`.
  PythonServer(const std::string& script, const std::vector<std::string>& args,
               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    std::vector<std::string> argv_s = {"python3", "-c", script};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    fd_ = fds[0];
    if (rc != 0) throw std::runtime_error("cannot start python3");
    line_ = ReadLine(timeout);
  }
  ~PythonServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  PythonServer(const PythonServer&) = delete;
  PythonServer& operator=(const PythonServer&) = delete;

  // The first line the script printed.
  const std::string& line() const { return line_; }

 private:
  std::string ReadLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string out;
    char c;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
        throw std::runtime_error("python3 server did not start");
      }
      if (::read(fd_, &c, 1) != 1) throw std::runtime_error("python3 server exited: " + out);
      if (c == '\n') return out;
      out += c;
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string line_;
};

}  // namespace node_agent::testing
