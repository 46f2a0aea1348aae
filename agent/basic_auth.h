// HTTP basic auth against bcrypt hashes (--web.config.file basic_auth_users), as
// exporter-toolkit does it: an unknown user is checked against a dummy hash so
// it costs as much as a wrong password, and successful checks are cached so a
// scrape every few seconds does not pay bcrypt's cost each time.
#pragma once

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
// with `hash` in constant time. False for a malformed hash.
bool BcryptVerify(std::string_view password, const std::string& hash);

class BasicAuthenticator {
 public:
  // True when the Authorization header names a user of `users` with the right
  // password. Thread-safe; bcrypt runs one at a time (it is CPU-bound).
  bool Check(const std::map<std::string, std::string>& users, std::string_view authorization);

 private:
  std::mutex bcrypt_mutex_;
  std::mutex cache_mutex_;
  // SHA-256 of (user, hash, password) for successful checks: no password is
  // kept, and a changed hash in a reloaded config never matches an old entry.
  std::unordered_set<std::string> verified_;
};

}  // namespace node_agent
