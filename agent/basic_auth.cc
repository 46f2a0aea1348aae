#include "agent/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <strings.h>

namespace node_agent {

namespace {

// A bcrypt hash of a password nobody knows, for unknown users (exporter-toolkit
// uses a fixed hash the same way); cost 10 like htpasswd -B's default.
constexpr char kDummyHash[] = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

// Bound the caches; a full cache is cleared (a few bcrypt checks follow).
constexpr size_t kMaxCached = 256;
constexpr size_t kMaxRefused = 1024;

std::string CacheKey(std::string_view user, std::string_view hash, std::string_view password) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  // Lengths first, so that ("ab", "c") and ("a", "bc") differ.
  for (std::string_view part : {user, hash, password}) {
    uint64_t n = part.size();
    EVP_DigestUpdate(ctx, &n, sizeof n);
    EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  EVP_DigestFinal_ex(ctx, digest, nullptr);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

bool ParseBasicAuthorization(std::string_view header, std::string& user, std::string& password) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.size() < 6 || strncasecmp(header.data(), "basic ", 6) != 0) return false;
  std::string_view b64 = header.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && b64.back() == ' ') b64.remove_suffix(1);
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return false;
  std::string decoded(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the bytes '=' padding stands for.
  size_t len = static_cast<size_t>(n);
  if (b64.back() == '=') --len;
  if (b64[b64.size() - 2] == '=') --len;
  decoded.resize(len);
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

bool BcryptVerify(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos) return false;
  // crypt_data is ~32 KB: on the heap, not a worker thread's stack.
  auto data = std::make_unique<crypt_data>();
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  OPENSSL_cleanse(pw.data(), pw.size());
  // crypt_r returns a "*" string on error; it never equals a valid hash.
  if (out == nullptr || std::strlen(out) != hash.size()) return false;
  return CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

BasicAuthenticator::Verdict BasicAuthenticator::Cached(const std::map<std::string, std::string>& users,
                                                       std::string_view authorization) {
  std::string user, password;
  if (!ParseBasicAuthorization(authorization, user, password)) return Verdict::kDeny;
  auto it = users.find(user);
  const bool known = it != users.end();
  std::string key = CacheKey(user, known ? it->second : std::string(kDummyHash), password);
  OPENSSL_cleanse(password.data(), password.size());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (known && verified_.count(key)) return Verdict::kAllow;
  if (refused_.count(key)) return Verdict::kDeny;
  return Verdict::kUnknown;
}

bool BasicAuthenticator::Check(const std::map<std::string, std::string>& users, std::string_view authorization) {
  std::string user, password;
  if (!ParseBasicAuthorization(authorization, user, password)) return false;
  auto it = users.find(user);
  const bool known = it != users.end();
  const std::string hash = known ? it->second : std::string(kDummyHash);
  std::string key = CacheKey(user, hash, password);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (known && verified_.count(key)) {
      OPENSSL_cleanse(password.data(), password.size());
      return true;
    }
    if (refused_.count(key)) {
      OPENSSL_cleanse(password.data(), password.size());
      return false;
    }
  }
  bool ok;
  {
    std::lock_guard<std::mutex> lock(bcrypt_mutex_);
    ok = BcryptVerify(password, hash) && known;
  }
  OPENSSL_cleanse(password.data(), password.size());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto& cache = ok ? verified_ : refused_;
  if (cache.size() >= (ok ? kMaxCached : kMaxRefused)) cache.clear();
  cache.insert(std::move(key));
  return ok;
}

bool BasicAuthenticator::TryReserve(int limit) {
  int n = reserved_.load();
  while (n < limit) {
    if (reserved_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

void BasicAuthenticator::Release() { reserved_--; }

}  // namespace node_agent
