// The HTTP/1.1 POST supervisord's XML-RPC needs, over TCP or a unix socket,
// bounded by one deadline (Go's http.Client Timeout).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace node_agent {

struct HttpTarget {
  bool unix_socket = false;
  std::string socket_path;  // unix_socket
  std::string host;         // without brackets
  std::string port;         // "80" when the URL has none
  std::string host_header;  // as the URL spells it, port included
  std::string request_target = "/";  // path and query
  std::string authorization;  // "Basic ..." from the URL's user info, or ""
};

// http://[user[:password]@]host[:port][/path][?query], or unix:///path/to.sock
// (node_exporter's supervisord socket form: POST /RPC2 to host "unix").
// nullopt with `error` set for other schemes or a malformed URL.
std::optional<HttpTarget> ParseHttpUrl(std::string_view url, std::string& error);

// Not "HttpResponse": agent/http_server.h has one in this namespace, and two
// different types of one name break the One Definition Rule (gcc -flto -Wodr).
struct HttpClientResponse {
  int status = 0;
  std::string body;
};

// A complete response as read off the wire until the peer closed: status
// line, headers, and a body delimited by Content-Length, chunked coding, or
// the end of the input. False with `error` set when malformed or truncated.
bool ParseHttpResponse(std::string_view raw, HttpClientResponse& out, std::string& error);

// POSTs `body`; every step (resolve excepted, connect, write, read) ends at
// `timeout` after the call.
bool HttpPost(const HttpTarget& target, std::string_view content_type, std::string_view body,
              std::chrono::milliseconds timeout, HttpClientResponse& out, std::string& error);

}  // namespace node_agent
