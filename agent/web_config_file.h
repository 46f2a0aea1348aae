// The --web.config.file at run time: parsed (agent/web_config.h), its TLS
// context built from the certificate files, and re-read when the file or a
// certificate it names changes (certificate rotation) or on SIGHUP.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/web_config.h"

namespace node_agent {

// One loaded configuration; immutable, shared by the connections that started under it.
struct WebState {
  WebConfig config;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
};

// Builds the server's TLS context: certificate and key (files or inline), client
// CA and client_auth_type, min/max version, cipher suites (TLS <= 1.2, by Go's
// names) and curves. Throws WebConfigError naming the field or file.
std::shared_ptr<boost::asio::ssl::context> MakeTlsContext(const WebConfig::Tls& tls);

// True when the peer certificate of a finished handshake has a DNS, email, IP
// or URI SAN in `allowed` (client_allowed_sans).
bool PeerHasAllowedSan(SSL* ssl, const std::vector<std::string>& allowed);

class WebConfigFile {
 public:
  // Loads `path`; throws WebConfigError on a missing or bad file (start-up).
  explicit WebConfigFile(std::string path);

  // The current configuration. Checks, at most once per second, whether the
  // file or the certificates changed (mtime, size, inode) and reloads then.
  std::shared_ptr<const WebState> Current();
  // Re-reads now (SIGHUP). On a bad file logs an error, keeps the old
  // configuration and returns false.
  bool Reload();

 private:
  struct Stamp {
    std::string path;
    long long mtime_ns = 0, size = -1, inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  std::vector<Stamp> Stamps(const WebState& state) const;
  std::shared_ptr<const WebState> Load() const;

  std::string path_;
  std::mutex mutex_;
  std::shared_ptr<const WebState> state_;
  std::vector<Stamp> stamps_;
  std::chrono::steady_clock::time_point last_check_;
};

}  // namespace node_agent
