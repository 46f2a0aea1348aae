// --web.config.file: the pure parser (every field, every error), bcrypt and
// basic auth, the request-head parser the server and the fuzzer share, and
// systemd notification over a real unix datagram socket.
#include <crypt.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "agent/basic_auth.h"
#include "agent/http_server.h"
#include "agent/service.h"
#include "agent/web_config.h"
#include "agent/web_config_file.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

// A real bcrypt hash made with libxcrypt itself (cost 4: fast in tests).
std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), salt, &data);
  EXPECT_NE(out, nullptr);
  return out;
}

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseWebConfig(yaml, "/etc/node-agent");
  } catch (const WebConfigError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

TEST(WebConfig, EmptyFileIsPlainHttpWithoutAuth) {
  for (const char* text : {"", "---\n", "# nothing\n", "tls_server_config:\nbasic_auth_users: ~\n"}) {
    WebConfig c = ParseWebConfig(text);
    EXPECT_FALSE(c.tls.Enabled()) << text;
    EXPECT_TRUE(c.users.empty());
    EXPECT_TRUE(c.headers.empty());
  }
}

TEST(WebConfig, EveryField) {
  WebConfig c = ParseWebConfig(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_ca_file: ../ca.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
  client_allowed_sans: [client.example, 127.0.0.1]
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  prometheus: )" + kHash + R"(
  "other user": ')" + kHash + R"('
)",
                               "/etc/node-agent");
  EXPECT_TRUE(c.tls.Enabled());
  EXPECT_EQ(c.tls.cert_file, "/etc/node-agent/server.crt");
  EXPECT_EQ(c.tls.key_file, "/abs/server.key");
  EXPECT_EQ(c.tls.client_ca_file, "/etc/ca.crt");
  EXPECT_EQ(c.tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(c.tls.min_version, 0x0304);
  EXPECT_EQ(c.tls.max_version, 0x0304);
  EXPECT_EQ(c.tls.cipher_suites.size(), 2u);
  EXPECT_EQ(c.tls.curve_preferences, (std::vector<std::string>{"X25519", "CurveP256"}));
  EXPECT_FALSE(c.tls.prefer_server_cipher_suites);
  EXPECT_EQ(c.tls.client_allowed_sans.size(), 2u);
  EXPECT_FALSE(c.http2);
  ASSERT_EQ(c.headers.size(), 3u);
  EXPECT_EQ(c.headers[0], (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
  EXPECT_EQ(c.users.size(), 2u);
  EXPECT_EQ(c.users.at("other user"), kHash);
}

TEST(WebConfig, InlineCertificatesAndDefaults) {
  WebConfig c = ParseWebConfig("tls_server_config:\n  cert: |\n    PEM\n  key: KEY\n  client_ca: CA\n"
                               "  client_auth_type: VerifyClientCertIfGiven\n");
  EXPECT_EQ(c.tls.cert, "PEM\n");
  EXPECT_EQ(c.tls.key, "KEY");
  EXPECT_EQ(c.tls.client_ca, "CA");
  EXPECT_EQ(c.tls.min_version, 0x0303);  // exporter-toolkit's defaults
  EXPECT_EQ(c.tls.max_version, 0x0304);
  EXPECT_TRUE(c.tls.prefer_server_cipher_suites);
  EXPECT_TRUE(c.http2);
  for (auto [name, want] : std::vector<std::pair<std::string, ClientAuth>>{
           {"NoClientCert", ClientAuth::kNoClientCert},
           {"RequestClientCert", ClientAuth::kRequestClientCert},
           {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
           {"RequireClientCert", ClientAuth::kRequireAnyClientCert}}) {
    auto got = ParseWebConfig("tls_server_config: {cert_file: a, key_file: b, client_auth_type: " + name + "}");
    EXPECT_EQ(got.tls.client_auth, want) << name;
  }
}

TEST(WebConfig, ErrorsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tls_server_config: [1", "YAML error at line"},
      {"- a\n- b\n", "must be a mapping"},
      {"bogus: 1\n", "bogus: unknown field"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n", "tls_server_config.certfile: unknown field"},
      {"tls_server_config:\n  cert_file: a\n", "missing one of key or key_file"},
      {"tls_server_config:\n  key_file: a\n", "missing one of cert or cert_file"},
      {"tls_server_config:\n  cert_file: [a]\n  key_file: b\n", "tls_server_config.cert_file: must be a string"},
      {"tls_server_config: {cert_file: a, key_file: b, client_auth_type: Sometimes}",
       "tls_server_config.client_auth_type: unknown client auth type \"Sometimes\""},
      {"tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}",
       "tls_server_config.min_version: unknown TLS version \"TLS14\""},
      {"tls_server_config: {cert_file: a, key_file: b, max_version: SSL3}", "tls_server_config.max_version"},
      {"tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}",
       "min_version: greater than max_version"},
      {"tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]}",
       "tls_server_config.cipher_suites: unknown cipher"},
      {"tls_server_config: {cert_file: a, key_file: b, cipher_suites: TLS_AES_128_GCM_SHA256}",
       "tls_server_config.cipher_suites: must be a list"},
      {"tls_server_config: {cert_file: a, key_file: b, curve_preferences: [P-256]}",
       "tls_server_config.curve_preferences: unknown curve"},
      {"tls_server_config: {cert_file: a, key_file: b, prefer_server_cipher_suites: maybe}",
       "prefer_server_cipher_suites: must be true or false"},
      {"tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}",
       "client CAs have been configured without a client auth policy"},
      {"tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}",
       "tls_server_config.client_ca_file: required"},
      {"tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequestClientCert, "
       "client_allowed_sans: [x]}",
       "client_allowed_sans: requires client_auth_type"},
      {"http_server_config: {http2: 3}", "http_server_config.http2: must be true or false"},
      {"http_server_config: {h2: true}", "http_server_config.h2: unknown field"},
      {"http_server_config:\n  headers:\n    Server: x\n",
       "http_server_config.headers.Server: HTTP header \"Server\" can not be configured"},
      {"http_server_config:\n  headers:\n    Authorization: x\n", "can not be configured"},
      {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
       "http_server_config.headers.X-Frame-Options: invalid value \"allow\""},
      {"http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n", "expected one of: nosniff"},
      {"http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nX-Evil: 1\"\n", "line break"},
      {"basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice: not a bcrypt hash"},
      {"basic_auth_users:\n  alice: " + kHash + "\n  alice: " + kHash + "\n", "appears twice"},
      {"basic_auth_users: [alice]\n", "basic_auth_users: must be a mapping"},
      {"rate_limit: {burst: 1, interval: 1s}\n", "rate_limit: not supported"},
  };
  for (const auto& [yaml, want] : cases) {
    EXPECT_NE(ErrorOf(yaml).find(want), std::string::npos) << yaml << "\n got: " << ErrorOf(yaml);
  }
}

TEST(WebConfig, BcryptHashShape) {
  EXPECT_TRUE(IsBcryptHash(kHash));
  EXPECT_TRUE(IsBcryptHash(Bcrypt("x")));
  EXPECT_FALSE(IsBcryptHash(""));
  EXPECT_FALSE(IsBcryptHash("$1$abc$def"));                 // md5-crypt
  EXPECT_FALSE(IsBcryptHash(kHash.substr(0, 59)));          // short
  EXPECT_FALSE(IsBcryptHash("$2y$03" + kHash.substr(6)));   // cost below 4
  EXPECT_FALSE(IsBcryptHash("$2y$10$" + std::string(53, '!')));
}

TEST(BasicAuth, ParsesAuthorizationHeader) {
  std::string user, pass;
  ASSERT_TRUE(ParseBasicAuthorization("Basic YWxpY2U6czNjcjN0", user, pass));  // alice:s3cr3t
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(pass, "s3cr3t");
  ASSERT_TRUE(ParseBasicAuthorization("basic YTpiOmM=", user, pass));  // a:b:c, one pad
  EXPECT_EQ(user, "a");
  EXPECT_EQ(pass, "b:c");
  ASSERT_TRUE(ParseBasicAuthorization("Basic Ong=", user, pass));  // ":x"
  EXPECT_EQ(user, "");
  EXPECT_EQ(pass, "x");
  EXPECT_FALSE(ParseBasicAuthorization("", user, pass));
  EXPECT_FALSE(ParseBasicAuthorization("Bearer YWxpY2U6czNjcjN0", user, pass));
  EXPECT_FALSE(ParseBasicAuthorization("Basic YWxpY2U", user, pass));      // not a multiple of 4
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!!", user, pass));         // not base64
  EXPECT_FALSE(ParseBasicAuthorization("Basic YWxpY2U=", user, pass));     // "alice": no colon
}

TEST(BasicAuth, BcryptVerifyAndChecker) {
  const std::string hash = Bcrypt("s3cr3t");
  EXPECT_TRUE(BcryptVerify("s3cr3t", hash));
  EXPECT_FALSE(BcryptVerify("s3cr3T", hash));
  EXPECT_FALSE(BcryptVerify("s3cr3t", "$2b$04$notahash"));
  EXPECT_TRUE(BcryptVerify("fakepassword", "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"))
      << "exporter-toolkit's dummy hash is of \"fakepassword\"";

  std::map<std::string, std::string> users = {{"alice", hash}};
  BasicAuthenticator auth;
  EXPECT_TRUE(auth.Check(users, "Basic YWxpY2U6czNjcjN0"));   // alice:s3cr3t
  EXPECT_TRUE(auth.Check(users, "Basic YWxpY2U6czNjcjN0"));   // again, from the cache
  EXPECT_FALSE(auth.Check(users, "Basic YWxpY2U6d3Jvbmc="));  // alice:wrong
  EXPECT_FALSE(auth.Check(users, "Basic Ym9iOnMzY3IzdA=="));  // bob:s3cr3t, unknown user
  // The dummy hash's password does not let an unknown user in.
  EXPECT_FALSE(auth.Check(users, "Basic Ym9iOmZha2VwYXNzd29yZA=="));  // bob:fakepassword
  EXPECT_FALSE(auth.Check(users, ""));
  // A new hash for alice (config reloaded): the cached success no longer applies.
  users["alice"] = Bcrypt("other");
  EXPECT_FALSE(auth.Check(users, "Basic YWxpY2U6czNjcjN0"));
}

TEST(RequestHead, ParsesAndChecksLikeTheServer) {
  auto ok = ParseRequestHead("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Basic Zm9vOmJhcg==\r\n\r\n");
  EXPECT_TRUE(ok.complete);
  EXPECT_EQ(ok.status, 0u);
  EXPECT_TRUE(ok.keep_alive);
  EXPECT_EQ(ok.request.method, "GET");
  EXPECT_EQ(ok.request.target, "/metrics?x=1");
  EXPECT_EQ(ok.request.Header("authorization"), "Basic Zm9vOmJhcg==");

  EXPECT_FALSE(ParseRequestHead("GET /metrics HTTP/1.1\r\nHost: a\r\n").complete);
  EXPECT_EQ(ParseRequestHead("GARBAGE\r\n\r\n").status, 400u);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n").status, 431u);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").status, 413u);
  EXPECT_EQ(ParseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").status, 413u);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").status, 0u);
  EXPECT_FALSE(ParseRequestHead("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.0\r\n\r\n").status, 0u);  // HTTP/1.0 needs no Host
  // RFC 9112: a transfer coding other than chunked, and Host missing or twice, are 400.
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n").status, 400u);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\n\r\n").status, 400u);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400u);
  // The absolute form is served as its path.
  auto absolute = ParseRequestHead("GET http://a:9100/metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(absolute.status, 0u);
  EXPECT_EQ(absolute.request.target, "/metrics?x=1");
  EXPECT_EQ(ParseRequestHead("GET HTTP://a HTTP/1.1\r\nHost: a\r\n\r\n").request.target, "/");
}

TEST(BasicAuth, NulInPasswordNeverMatches) {
  EXPECT_FALSE(BcryptVerify(std::string_view("fakepassword\0", 13), kHash));
  EXPECT_TRUE(BcryptVerify("fakepassword", kHash));
}

TEST(WebConfig, BcryptCostAboveTheLimitIsRefused) {
  std::string hash = kHash;
  hash.replace(4, 2, "31");
  EXPECT_THROW(ParseWebConfig("basic_auth_users:\n  alice: " + hash + "\n"), WebConfigError);
  hash.replace(4, 2, "17");
  EXPECT_NO_THROW(ParseWebConfig("basic_auth_users:\n  alice: " + hash + "\n"));
}

TEST(WebConfigFile, BadFilesAreClearErrors) {
  testing::TempDir dir;
  EXPECT_THROW(WebConfigFile(dir.path() + "/missing.yml"), WebConfigError);
  dir.Write("web.yml", "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n");
  try {
    WebConfigFile f(dir.path() + "/web.yml");
    FAIL() << "loaded a config whose certificate is missing";
  } catch (const WebConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tls_server_config.cert_file " + dir.path() + "/nope.crt"),
              std::string::npos)
        << e.what();
  }
  dir.Write("auth.yml", "basic_auth_users:\n  alice: " + kHash + "\n");
  WebConfigFile f(dir.path() + "/auth.yml");
  EXPECT_EQ(f.Current()->tls, nullptr);
  EXPECT_EQ(f.Current()->config.users.size(), 1u);
  // A broken file at reload keeps the previous configuration.
  dir.Write("auth.yml", "basic_auth_users: [\n");
  EXPECT_FALSE(f.Reload());
  EXPECT_EQ(f.Current()->config.users.size(), 1u);
  dir.Write("auth.yml", "basic_auth_users: {}\n");
  EXPECT_TRUE(f.Reload());
  EXPECT_TRUE(f.Current()->config.users.empty());
}

// A unix datagram socket bound at `addr` receives what SdNotify sends.
std::string ReceiveNotify(const std::string& name) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  if (name[0] == '@') {
    addr.sun_path[0] = '\0';
  } else {
    len += 1;
  }
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0) << strerror(errno);
  EXPECT_TRUE(SdNotify("READY=1", name));
  char buf[64] = {};
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(Service, SdNotifyPathAndAbstractSockets) {
  testing::TempDir dir;
  EXPECT_EQ(ReceiveNotify(dir.path() + "/notify"), "READY=1");
  EXPECT_EQ(ReceiveNotify("@node-agent-test-" + std::to_string(getpid())), "READY=1");
  EXPECT_FALSE(SdNotify("READY=1", dir.path() + "/nobody-listens"));
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(SdNotify("READY=1"));  // not under systemd: nothing to do
}

TEST(Service, RaisesOpenFileLimitToHard) {
  long soft = RaiseOpenFileLimit();
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  EXPECT_EQ(lim.rlim_cur, lim.rlim_max);
  EXPECT_GT(soft, 0);
}

}  // namespace
}  // namespace node_agent
