// node_exporter's --web.config.file (exporter-toolkit's web configuration):
// TLS, basic auth users with bcrypt hashes, extra response headers.
//
//   tls_server_config: {cert_file, key_file, cert, key, client_ca_file, client_ca,
//                       client_auth_type, min_version, max_version, cipher_suites,
//                       curve_preferences, prefer_server_cipher_suites, client_allowed_sans}
//   http_server_config: {http2, headers}
//   basic_auth_users: {USER: BCRYPT_HASH}
//
// Parsing is a pure function of the file's text (fuzzed and unit-tested alone);
// loading the certificates is a separate step.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace node_agent {

// A bad web configuration; the message names the field.
struct WebConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

struct WebConfig {
  struct Tls {
    // Files are made absolute against the config file's directory, as exporter-toolkit does.
    std::string cert_file, key_file, client_ca_file;
    std::string cert, key, client_ca;  // inline PEM
    ClientAuth client_auth = ClientAuth::kNoClientCert;
    int min_version = 0x0303;  // TLS12, exporter-toolkit's default
    int max_version = 0x0304;  // TLS13
    std::vector<std::string> cipher_suites;      // IANA names, as Go's crypto/tls
    std::vector<std::string> curve_preferences;  // CurveP256, CurveP384, CurveP521, X25519
    bool prefer_server_cipher_suites = true;
    std::vector<std::string> client_allowed_sans;
    // Any TLS field set: the server speaks TLS only (exporter-toolkit's IsEnabled).
    bool Enabled() const;
  } tls;
  bool http2 = true;  // accepted for compatibility; node-agent serves HTTP/1.1
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
  std::map<std::string, std::string> users;                  // basic_auth_users
};

// Parses the YAML text of a web config. `base_dir` is the config file's
// directory, for relative certificate paths. Throws WebConfigError naming the
// field on unknown keys, wrong types, unknown enum values, bad bcrypt hashes,
// headers exporter-toolkit does not allow, or an incomplete TLS section.
WebConfig ParseWebConfig(std::string_view yaml, const std::string& base_dir = ".");

// True when `hash` looks like a bcrypt hash ($2a$/$2b$/$2y$, cost 04..31, 53 chars of salt+hash).
bool IsBcryptHash(std::string_view hash);

// The cost of a hash IsBcryptHash accepts.
int BcryptCost(std::string_view hash);

// The highest bcrypt cost a config may use (htpasswd's own limit): a check
// doubles in time with each step, and at cost 31 one request for the user
// burns minutes of CPU. Higher costs are refused when the config is read.
inline constexpr int kMaxBcryptCost = 17;

}  // namespace node_agent
