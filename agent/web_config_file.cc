#include "agent/web_config_file.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/log.h"

namespace node_agent {

namespace ssl = boost::asio::ssl;

namespace {

std::string ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WebConfigError(fmt::format("cannot read web config file {}", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Prefixes what failed with the field that named it, keeping OpenSSL's reason.
template <typename Fn>
void Step(const std::string& what, Fn fn) {
  boost::system::error_code ec;
  fn(ec);
  if (ec) throw WebConfigError(fmt::format("{}: {}", what, ec.message()));
}

}  // namespace

std::shared_ptr<ssl::context> MakeTlsContext(const WebConfig::Tls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, tls.min_version);
  SSL_CTX_set_max_proto_version(native, tls.max_version);
  // Idle keep-alive connections drop their TLS read/write buffers (~34 KB each).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  long options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (tls.prefer_server_cipher_suites) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(native, options);

  if (!tls.cert_file.empty()) {
    Step("tls_server_config.cert_file " + tls.cert_file,
         [&](auto& ec) { ctx->use_certificate_chain_file(tls.cert_file, ec); });
  } else {
    Step("tls_server_config.cert",
         [&](auto& ec) { ctx->use_certificate_chain(boost::asio::buffer(tls.cert), ec); });
  }
  if (!tls.key_file.empty()) {
    Step("tls_server_config.key_file " + tls.key_file,
         [&](auto& ec) { ctx->use_private_key_file(tls.key_file, ssl::context::pem, ec); });
  } else {
    Step("tls_server_config.key",
         [&](auto& ec) { ctx->use_private_key(boost::asio::buffer(tls.key), ssl::context::pem, ec); });
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw WebConfigError("tls_server_config: the private key does not match the certificate");
  }

  if (!tls.client_ca_file.empty()) {
    Step("tls_server_config.client_ca_file " + tls.client_ca_file,
         [&](auto& ec) { ctx->load_verify_file(tls.client_ca_file, ec); });
    // Tells clients which CAs are accepted, as Go does from ClientCAs.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  } else if (!tls.client_ca.empty()) {
    Step("tls_server_config.client_ca",
         [&](auto& ec) { ctx->add_certificate_authority(boost::asio::buffer(tls.client_ca), ec); });
  }
  auto accept_any = [](int, X509_STORE_CTX*) { return 1; };
  switch (tls.client_auth) {
    case ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequestClientCert:  // asked for, neither required nor verified
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any);
      break;
    case ClientAuth::kRequireAnyClientCert:  // required, not verified
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }

  // Go's names are the IANA ones; OpenSSL knows them as standard names. Go
  // applies cipher_suites to TLS 1.0-1.2 only, so TLS 1.3 suites are skipped.
  if (!tls.cipher_suites.empty()) {
    std::vector<std::string> names;
    STACK_OF(SSL_CIPHER)* all = SSL_CTX_get_ciphers(native);
    for (const auto& wanted : tls.cipher_suites) {
      if (wanted.rfind("TLS_AES_", 0) == 0 || wanted.rfind("TLS_CHACHA20_", 0) == 0) continue;
      for (int i = 0; i < sk_SSL_CIPHER_num(all); ++i) {
        const SSL_CIPHER* c = sk_SSL_CIPHER_value(all, i);
        if (wanted == SSL_CIPHER_standard_name(c)) names.push_back(SSL_CIPHER_get_name(c));
      }
    }
    if (!names.empty() && SSL_CTX_set_cipher_list(native, fmt::format("{}", fmt::join(names, ":")).c_str()) != 1) {
      ERR_clear_error();
      throw WebConfigError("tls_server_config.cipher_suites: none of them is available");
    }
  }
  if (!tls.curve_preferences.empty()) {
    std::vector<std::string> groups;
    for (const auto& c : tls.curve_preferences) {
      groups.push_back(c == "CurveP256" ? "P-256" : c == "CurveP384" ? "P-384" : c == "CurveP521" ? "P-521" : c);
    }
    if (SSL_CTX_set1_groups_list(native, fmt::format("{}", fmt::join(groups, ":")).c_str()) != 1) {
      ERR_clear_error();
      throw WebConfigError("tls_server_config.curve_preferences: not available");
    }
  }
  return ctx;
}

bool PeerHasAllowedSan(SSL* ssl, const std::vector<std::string>& allowed) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return false;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    std::string value;
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.ia5;
      value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      char text[64] = {};
      int len = ASN1_STRING_length(ip);
      const unsigned char* b = ASN1_STRING_get0_data(ip);
      if (len == 4) {
        snprintf(text, sizeof text, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
      } else if (len == 16) {
        boost::asio::ip::address_v6::bytes_type bytes;
        std::copy(b, b + 16, bytes.begin());
        snprintf(text, sizeof text, "%s", boost::asio::ip::address_v6(bytes).to_string().c_str());
      }
      value = text;
    }
    found = !value.empty() && std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  }
  GENERAL_NAMES_free(names);
  return found;
}

WebConfigFile::WebConfigFile(std::string path) : path_(std::move(path)) {
  state_ = Load();
  stamps_ = Stamps(*state_);
  last_check_ = std::chrono::steady_clock::now();
}

std::shared_ptr<const WebState> WebConfigFile::Load() const {
  std::string text = ReadConfigFile(path_);
  std::string dir = std::filesystem::path(path_).parent_path().string();
  auto state = std::make_shared<WebState>();
  state->config = ParseWebConfig(text, dir.empty() ? "." : dir);
  if (state->config.tls.Enabled()) state->tls = MakeTlsContext(state->config.tls);
  return state;
}

std::vector<WebConfigFile::Stamp> WebConfigFile::Stamps(const WebState& state) const {
  std::vector<Stamp> out;
  for (const std::string* p : {&path_, &state.config.tls.cert_file, &state.config.tls.key_file,
                               &state.config.tls.client_ca_file}) {
    if (p->empty()) continue;
    Stamp s;
    s.path = *p;
    struct stat st;
    if (stat(p->c_str(), &st) == 0) {
      s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
      s.size = st.st_size;
      s.inode = static_cast<long long>(st.st_ino);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::shared_ptr<const WebState> WebConfigFile::Current() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_check_ >= std::chrono::seconds(1)) {
    last_check_ = now;
    if (Stamps(*state_) != stamps_) {
      lock.unlock();
      Reload();
      lock.lock();
    }
  }
  return state_;
}

bool WebConfigFile::Reload() {
  std::shared_ptr<const WebState> next;
  try {
    next = Load();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Remember the bad file's stamps so it is reported once, not every second.
    stamps_ = Stamps(*state_);
    log::Error("cannot reload web config, keeping the previous one", {{"file", path_}, {"err", e.what()}});
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = next;
  stamps_ = Stamps(*state_);
  log::Info("Loaded web config", {{"file", path_},
                                  {"tls", state_->tls ? "true" : "false"},
                                  {"basic_auth_users", std::to_string(state_->config.users.size())}});
  return true;
}

}  // namespace node_agent
