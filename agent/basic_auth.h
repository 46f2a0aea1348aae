// HTTP basic auth against bcrypt hashes (--web.config.file basic_auth_users), as
// exporter-toolkit does it: an unknown user is checked against a dummy hash so
// it costs as much as a wrong password, and successful checks are cached so a
// scrape every few seconds does not pay bcrypt's cost each time. Failed checks
// are cached too (a client retrying the same wrong password costs nothing), and
// uncached checks are bounded apart from the request slots (docs/hardening.md).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace node_agent {

// Splits an "Authorization: Basic BASE64(user:password)" value. False when it
// is not basic auth or not valid base64 with a colon.
bool ParseBasicAuthorization(std::string_view header, std::string& user, std::string& password);

// libxcrypt's crypt_r of `password` with the setting/salt of `hash`, compared
// with `hash` in constant time. False for a malformed hash, and for a password
// with a NUL byte (crypt_r would see only what precedes it).
bool BcryptVerify(std::string_view password, const std::string& hash);

class BasicAuthenticator {
 public:
  enum class Verdict { kAllow, kDeny, kUnknown };
  // What is known without bcrypt: no or malformed basic auth, or a cached
  // result; kUnknown when only Check can tell. Cheap (one SHA-256).
  Verdict Cached(const std::map<std::string, std::string>& users, std::string_view authorization);
  // True when the Authorization header names a user of `users` with the right
  // password. Thread-safe; bcrypt runs one at a time (it is CPU-bound).
  bool Check(const std::map<std::string, std::string>& users, std::string_view authorization);

  // Bounds the uncached checks waiting for or running bcrypt: false when
  // `limit` are already; otherwise the caller calls Release when done.
  bool TryReserve(int limit);
  void Release();

 private:
  std::mutex bcrypt_mutex_;
  std::mutex cache_mutex_;
  // SHA-256 of (user, hash, password): no password is kept, and a changed hash
  // in a reloaded config never matches an old entry. Apart, so failures
  // (anyone can make them) never evict a success.
  std::unordered_set<std::string> verified_;
  std::unordered_set<std::string> refused_;
  std::atomic<int> reserved_{0};
};

}  // namespace node_agent
