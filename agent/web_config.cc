#include "agent/web_config.h"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>

namespace node_agent {

namespace {

// exporter-toolkit's extraHTTPHeaders: the only headers a config may add, and
// the values allowed where they are an enumeration (empty: any value).
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kAllowedHeaders = {
    {"Strict-Transport-Security", {}},
    {"X-Content-Type-Options", {"nosniff"}},
    {"X-Frame-Options", {"deny", "sameorigin"}},
    {"X-XSS-Protection", {}},
    {"Content-Security-Policy", {}},
};

const std::vector<std::pair<std::string_view, int>> kTlsVersions = {
    {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}};

const std::vector<std::pair<std::string_view, ClientAuth>> kClientAuthTypes = {
    {"", ClientAuth::kNoClientCert},
    {"NoClientCert", ClientAuth::kNoClientCert},
    {"RequestClientCert", ClientAuth::kRequestClientCert},
    {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
    {"RequireClientCert", ClientAuth::kRequireAnyClientCert},  // exporter-toolkit's old name
    {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
    {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
};

const std::array<std::string_view, 4> kCurves = {"CurveP256", "CurveP384", "CurveP521", "X25519"};

// Go's crypto/tls CipherSuites() (the secure ones exporter-toolkit accepts by name).
const std::array<std::string_view, 15> kCipherSuites = {
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
};

// A loaded libyaml document, freed on scope exit.
class Document {
 public:
  explicit Document(std::string_view text) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    ok_ = yaml_parser_load(&parser, &doc_) != 0;
    if (!ok_) {
      error_ = fmt::format("YAML error at line {}: {}", parser.problem_mark.line + 1,
                           parser.problem ? parser.problem : "unknown");
    }
    yaml_parser_delete(&parser);
  }
  ~Document() {
    if (ok_) yaml_document_delete(&doc_);
  }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  yaml_node_t* root() { return yaml_document_get_root_node(&doc_); }
  yaml_node_t* node(int index) { return yaml_document_get_node(&doc_, index); }

 private:
  yaml_document_t doc_{};
  bool ok_ = false;
  std::string error_;
};

std::string_view ScalarText(const yaml_node_t* n) {
  return {reinterpret_cast<const char*>(n->data.scalar.value), n->data.scalar.length};
}

bool IsNull(const yaml_node_t* n) {
  if (n == nullptr) return true;
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  auto s = ScalarText(n);
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

class Parser {
 public:
  explicit Parser(Document& doc) : doc_(doc) {}

  // Calls fn(key, value) for each pair of a mapping (null: none); rejects
  // duplicate keys, as Go's strict YAML decoding does.
  template <typename Fn>
  void ForEachPair(yaml_node_t* n, const std::string& field, Fn fn) {
    if (IsNull(n)) return;
    if (n->type != YAML_MAPPING_NODE) {
      throw WebConfigError(fmt::format("{}: must be a mapping", field.empty() ? "web config" : field));
    }
    std::vector<std::string> seen;
    for (auto* p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; ++p) {
      yaml_node_t* k = doc_.node(p->key);
      if (k == nullptr || k->type != YAML_SCALAR_NODE) {
        throw WebConfigError(fmt::format("{}: keys must be strings", field));
      }
      std::string key(ScalarText(k));
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        throw WebConfigError(fmt::format("{}: key \"{}\" appears twice", Join(field, key), key));
      }
      seen.push_back(key);
      fn(key, doc_.node(p->value));
    }
  }

  std::string String(yaml_node_t* n, const std::string& field) {
    if (IsNull(n)) return {};
    if (n->type != YAML_SCALAR_NODE) throw WebConfigError(fmt::format("{}: must be a string", field));
    return std::string(ScalarText(n));
  }

  bool Bool(yaml_node_t* n, const std::string& field) {
    std::string s = String(n, field);
    for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
      if (s == t) return true;
    }
    for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
      if (s == f) return false;
    }
    throw WebConfigError(fmt::format("{}: must be true or false, got \"{}\"", field, s));
  }

  std::vector<std::string> Strings(yaml_node_t* n, const std::string& field) {
    std::vector<std::string> out;
    if (IsNull(n)) return out;
    if (n->type != YAML_SEQUENCE_NODE) throw WebConfigError(fmt::format("{}: must be a list", field));
    for (auto* i = n->data.sequence.items.start; i < n->data.sequence.items.top; ++i) {
      out.push_back(String(doc_.node(*i), field));
    }
    return out;
  }

  static std::string Join(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

 private:
  Document& doc_;
};

template <typename T, typename Table>
T Lookup(const Table& table, const std::string& value, const std::string& field, std::string_view what) {
  for (const auto& [name, v] : table) {
    if (name == value) return v;
  }
  throw WebConfigError(fmt::format("{}: unknown {} \"{}\"", field, what, value));
}

std::string Absolute(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void ParseTls(Parser& p, yaml_node_t* node, const std::string& base_dir, WebConfig::Tls& tls) {
  const std::string section = "tls_server_config";
  p.ForEachPair(node, section, [&](const std::string& key, yaml_node_t* v) {
    const std::string field = Parser::Join(section, key);
    if (key == "cert_file") {
      tls.cert_file = Absolute(p.String(v, field), base_dir);
    } else if (key == "key_file") {
      tls.key_file = Absolute(p.String(v, field), base_dir);
    } else if (key == "client_ca_file") {
      tls.client_ca_file = Absolute(p.String(v, field), base_dir);
    } else if (key == "cert") {
      tls.cert = p.String(v, field);
    } else if (key == "key") {
      tls.key = p.String(v, field);
    } else if (key == "client_ca") {
      tls.client_ca = p.String(v, field);
    } else if (key == "client_auth_type") {
      tls.client_auth = Lookup<ClientAuth>(kClientAuthTypes, p.String(v, field), field, "client auth type");
    } else if (key == "min_version") {
      tls.min_version = Lookup<int>(kTlsVersions, p.String(v, field), field, "TLS version");
    } else if (key == "max_version") {
      tls.max_version = Lookup<int>(kTlsVersions, p.String(v, field), field, "TLS version");
    } else if (key == "cipher_suites") {
      tls.cipher_suites = p.Strings(v, field);
      for (const auto& c : tls.cipher_suites) {
        if (std::find(kCipherSuites.begin(), kCipherSuites.end(), c) == kCipherSuites.end()) {
          throw WebConfigError(fmt::format("{}: unknown cipher \"{}\"", field, c));
        }
      }
    } else if (key == "curve_preferences") {
      tls.curve_preferences = p.Strings(v, field);
      for (const auto& c : tls.curve_preferences) {
        if (std::find(kCurves.begin(), kCurves.end(), c) == kCurves.end()) {
          throw WebConfigError(fmt::format("{}: unknown curve \"{}\"", field, c));
        }
      }
    } else if (key == "prefer_server_cipher_suites") {
      tls.prefer_server_cipher_suites = p.Bool(v, field);
    } else if (key == "client_allowed_sans") {
      tls.client_allowed_sans = p.Strings(v, field);
    } else {
      throw WebConfigError(fmt::format("{}: unknown field", field));
    }
  });
}

// exporter-toolkit's ConfigToTLSConfig checks, without reading any file.
void ValidateTls(const WebConfig::Tls& tls) {
  if (!tls.Enabled()) return;
  if (tls.cert_file.empty() && tls.cert.empty()) {
    throw WebConfigError("tls_server_config: missing one of cert or cert_file");
  }
  if (tls.key_file.empty() && tls.key.empty()) {
    throw WebConfigError("tls_server_config: missing one of key or key_file");
  }
  if ((!tls.client_ca_file.empty() || !tls.client_ca.empty()) && tls.client_auth == ClientAuth::kNoClientCert) {
    throw WebConfigError(
        "tls_server_config.client_auth_type: client CAs have been configured without a client auth policy");
  }
  bool needs_ca = tls.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                  tls.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (needs_ca && tls.client_ca_file.empty() && tls.client_ca.empty()) {
    throw WebConfigError("tls_server_config.client_ca_file: required to verify client certificates");
  }
  if (!tls.client_allowed_sans.empty() && tls.client_auth != ClientAuth::kRequireAnyClientCert &&
      tls.client_auth != ClientAuth::kRequireAndVerifyClientCert) {
    throw WebConfigError(
        "tls_server_config.client_allowed_sans: requires client_auth_type RequireAnyClientCert or "
        "RequireAndVerifyClientCert");
  }
  if (tls.min_version > tls.max_version) {
    throw WebConfigError("tls_server_config.min_version: greater than max_version");
  }
}

}  // namespace

bool WebConfig::Tls::Enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() || !key.empty() || !client_ca_file.empty() ||
         !client_ca.empty() || client_auth != ClientAuth::kNoClientCert;
}

bool IsBcryptHash(std::string_view hash) {
  // $2b$10$ + 22 characters of salt + 31 of hash, in bcrypt's base64 alphabet.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(hash.begin() + 7, hash.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
  });
}

int BcryptCost(std::string_view hash) { return (hash[4] - '0') * 10 + (hash[5] - '0'); }

WebConfig ParseWebConfig(std::string_view yaml, const std::string& base_dir) {
  Document doc(yaml);
  if (!doc.ok()) throw WebConfigError(doc.error());
  WebConfig config;
  Parser p(doc);
  p.ForEachPair(doc.root(), "", [&](const std::string& key, yaml_node_t* v) {
    if (key == "tls_server_config") {
      ParseTls(p, v, base_dir, config.tls);
    } else if (key == "http_server_config") {
      p.ForEachPair(v, key, [&](const std::string& k, yaml_node_t* hv) {
        const std::string field = Parser::Join(key, k);
        if (k == "http2") {
          config.http2 = p.Bool(hv, field);
        } else if (k == "headers") {
          p.ForEachPair(hv, field, [&](const std::string& name, yaml_node_t* value_node) {
            const std::string header_field = Parser::Join(field, name);
            std::string value = p.String(value_node, header_field);
            auto allowed = std::find_if(kAllowedHeaders.begin(), kAllowedHeaders.end(),
                                        [&](const auto& a) { return a.first == name; });
            if (allowed == kAllowedHeaders.end()) {
              throw WebConfigError(fmt::format("{}: HTTP header \"{}\" can not be configured", header_field, name));
            }
            const auto& values = allowed->second;
            if (!values.empty() && std::find(values.begin(), values.end(), value) == values.end()) {
              throw WebConfigError(fmt::format("{}: invalid value \"{}\", expected one of: {}", header_field, value,
                                               fmt::join(values, ", ")));
            }
            // Header values end at a line break; one here would split the response.
            if (value.find_first_of("\r\n") != std::string::npos) {
              throw WebConfigError(fmt::format("{}: value contains a line break", header_field));
            }
            config.headers.emplace_back(name, std::move(value));
          });
        } else {
          throw WebConfigError(fmt::format("{}: unknown field", field));
        }
      });
    } else if (key == "basic_auth_users") {
      p.ForEachPair(v, key, [&](const std::string& user, yaml_node_t* hv) {
        const std::string field = Parser::Join(key, user);
        std::string hash = p.String(hv, field);
        if (!IsBcryptHash(hash)) throw WebConfigError(fmt::format("{}: not a bcrypt hash", field));
        if (int cost = BcryptCost(hash); cost > kMaxBcryptCost) {
          throw WebConfigError(fmt::format("{}: bcrypt cost {} is above {}: one check would take minutes of CPU "
                                           "(htpasswd -B -C {} makes a usable hash)",
                                           field, cost, kMaxBcryptCost, kMaxBcryptCost));
        }
        config.users.emplace(user, std::move(hash));
      });
    } else if (key == "rate_limit") {
      throw WebConfigError("rate_limit: not supported by node-agent (see --web.max-requests)");
    } else {
      throw WebConfigError(fmt::format("{}: unknown field", key));
    }
  });
  ValidateTls(config.tls);
  return config;
}

}  // namespace node_agent
