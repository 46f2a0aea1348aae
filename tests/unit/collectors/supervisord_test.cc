#include "collectors/supervisord/supervisord.h"

#include <gtest/gtest.h>

#include <chrono>

#include "collectors/supervisord/http.h"
#include "collectors/supervisord/xmlrpc.h"
#include "tests/support/python_server.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::PythonServer;
using testing::SampleCount;
using testing::Value;

// supervisord's XML-RPC interface as python's xmlrpc.server serves it, on
// 127.0.0.1 (argv[1] "tcp", prints the port) or a unix socket (argv[1]
// "unix", argv[2] the path, prints it). argv[2 or 3] picks the answer:
// "ok" (three processes), "fault", "status500" or "hang" (reads the request,
// never answers).
constexpr const char* kSupervisord = R"PY(
import http.server, os, socket, socketserver, sys, threading
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler, SimpleXMLRPCServer
mode = sys.argv[1]
answer = sys.argv[3] if mode == "unix" else sys.argv[2]
procs = [
    dict(name="web", group="apps", description="pid 10", start=1700000000, stop=0, now=1700000100,
         state=20, statename="RUNNING", spawnerr="", exitstatus=0, logfile="/x", stdout_logfile="/x",
         stderr_logfile="", pid=10),
    dict(name="worker", group="apps", description="Exited", start=1600000000, stop=1600000100,
         now=1700000100, state=100, statename="EXITED", spawnerr="", exitstatus=2, logfile="",
         stdout_logfile="", stderr_logfile="", pid=0),
    dict(name="a<&>b", group="grp \"q\"", start=1650000000, state=10, statename="STARTING", exitstatus=0, pid=3),
]
def get_all():
    if answer == "fault":
        raise Exception("SHUTDOWN_STATE")
    return procs
class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)
    disable_nagle_algorithm = False  # TCP_NODELAY fails on a unix socket
    def do_POST(self):
        if answer == "hang":
            self.rfile.read(int(self.headers["Content-Length"]))
            threading.Event().wait()
        if answer == "status500":
            self.send_error(500)
            return
        super().do_POST()
    def address_string(self):
        return "local"
if mode == "tcp":
    server = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, logRequests=False)
    print(server.server_address[1], flush=True)
else:
    class UnixServer(socketserver.UnixStreamServer, SimpleXMLRPCDispatcher):
        def __init__(self, path):
            SimpleXMLRPCDispatcher.__init__(self, False, None)
            socketserver.UnixStreamServer.__init__(self, path, Handler)
            self.logRequests = False
    server = UnixServer(sys.argv[2])
    print(sys.argv[2], flush=True)
server.register_function(get_all, "supervisor.getAllProcessInfo")
server.serve_forever()
)PY";

TEST(XmlRpcParse, ValuesOfEveryType) {
  XmlRpcValue v;
  std::string error;
  ASSERT_TRUE(ParseXmlRpcResponse(
      "<?xml version='1.0'?>\n<!-- c --><methodResponse><params><param><value><array><data>\n"
      "<value><struct><member><name>s</name><value><string>a &amp; &lt;b&gt; &#65;&#x42;</string></value></member>\n"
      "<member><name>i</name><value><int> -42 </int></value></member>"
      "<member><name>i4</name><value><i4>7</i4></value></member>"
      "<member><name>b</name><value><boolean>1</boolean></value></member>"
      "<member><name>d</name><value><double>1.5</double></value></member>"
      "<member><name>u</name><value>untyped</value></member>"
      "<member><name>e</name><value><string/></value></member>"
      "<member><name>n</name><value><nil/></value></member>"
      "<member><name>c</name><value><string><![CDATA[<x>]]></string></value></member>"
      "</struct></value>\n<value><int>3</int></value></data></array></value></param></params></methodResponse>\n",
      v, error))
      << error;
  ASSERT_EQ(v.kind, XmlRpcValue::Kind::kArray);
  ASSERT_EQ(v.array.size(), 2u);
  const XmlRpcValue& s = v.array[0];
  EXPECT_EQ(s.Member("s")->text, "a & <b> AB");
  EXPECT_EQ(s.Member("i")->integer, -42);
  EXPECT_EQ(s.Member("i4")->integer, 7);
  EXPECT_EQ(s.Member("b")->kind, XmlRpcValue::Kind::kBool);
  EXPECT_EQ(s.Member("b")->integer, 1);
  EXPECT_DOUBLE_EQ(s.Member("d")->real, 1.5);
  EXPECT_EQ(s.Member("u")->text, "untyped");
  EXPECT_EQ(s.Member("e")->kind, XmlRpcValue::Kind::kString);
  EXPECT_EQ(s.Member("e")->text, "");
  EXPECT_EQ(s.Member("n")->kind, XmlRpcValue::Kind::kNil);
  EXPECT_EQ(s.Member("c")->text, "<x>");
  EXPECT_EQ(v.array[1].integer, 3);
}

TEST(XmlRpcParse, FaultAndMalformed) {
  XmlRpcValue v;
  std::string error;
  EXPECT_FALSE(ParseXmlRpcResponse(
      "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>6</int></value></member>"
      "<member><name>faultString</name><value><string>SHUTDOWN_STATE</string></value></member>"
      "</struct></value></fault></methodResponse>",
      v, error));
  EXPECT_EQ(error, "fault 6: SHUTDOWN_STATE");
  for (const char* bad : {"", "<html>", "<methodResponse><params><param><value><int>x</int></value>",
                          "<methodResponse><params><param><value><array><data><value><int>1</int>",
                          "<methodResponse><params><param><value><string>&bogus;</string></value>",
                          "<methodResponse><params><param><value><struct><member><value>1</value></member>"}) {
    EXPECT_FALSE(ParseXmlRpcResponse(bad, v, error)) << bad;
  }
  std::string deep = "<methodResponse><params><param><value>";
  for (int i = 0; i < 1000; ++i) deep += "<array><data><value>";
  EXPECT_FALSE(ParseXmlRpcResponse(deep, v, error));
}

TEST(SupervisordParse, ProcessesKeepPreviousFieldsAndSkipWrongTypes) {
  std::vector<SupervisordProcess> out;
  std::vector<std::string> skipped;
  std::string error;
  ASSERT_TRUE(ParseSupervisordProcesses(
      "<methodResponse><params><param><value><array><data>"
      "<value><struct><member><name>name</name><value><string>a</string></value></member>"
      "<member><name>group</name><value><string>g</string></value></member>"
      "<member><name>state</name><value><int>20</int></value></member>"
      "<member><name>start</name><value><int>5</int></value></member></struct></value>"
      "<value><struct><member><name>name</name><value><string>b</string></value></member></struct></value>"
      "<value><struct><member><name>state</name><value><string>x</string></value></member></struct></value>"
      "<value><int>1</int></value>"
      "</data></array></value></param></params></methodResponse>",
      out, skipped, error))
      << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].name, "b");
  EXPECT_EQ(out[1].group, "g");
  EXPECT_EQ(out[1].state, 20);
  EXPECT_EQ(skipped.size(), 2u);
  EXPECT_FALSE(ParseSupervisordProcesses(
      "<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>", out, skipped,
      error));
}

TEST(HttpParse, Urls) {
  std::string error;
  auto t = ParseHttpUrl("http://user:p%40ss@localhost:9001/RPC2", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->host, "localhost");
  EXPECT_EQ(t->port, "9001");
  EXPECT_EQ(t->host_header, "localhost:9001");
  EXPECT_EQ(t->request_target, "/RPC2");
  EXPECT_EQ(t->authorization, "Basic dXNlcjpwQHNz");
  t = ParseHttpUrl("http://[::1]/", error);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, "80");
  t = ParseHttpUrl("unix:///run/supervisor.sock", error);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->unix_socket);
  EXPECT_EQ(t->socket_path, "/run/supervisor.sock");
  EXPECT_EQ(t->request_target, "/RPC2");
  EXPECT_FALSE(ParseHttpUrl("ftp://x/", error));
  EXPECT_FALSE(ParseHttpUrl("http://x:y/", error));
  EXPECT_FALSE(ParseHttpUrl("unix://", error));
}

TEST(HttpParse, Responses) {
  HttpClientResponse r;
  std::string error;
  ASSERT_TRUE(ParseHttpResponse("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef", r, error));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
  ASSERT_TRUE(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n", r,
                                error));
  EXPECT_EQ(r.body, "abcde");
  ASSERT_TRUE(ParseHttpResponse("HTTP/1.1 500 Oops\r\n\r\nall of it", r, error));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "all of it");
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", r, error));
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", r, error));
  EXPECT_FALSE(ParseHttpResponse("SSH-2.0\r\n\r\n", r, error));
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\n", r, error));
  // The status code is three digits (a fuzzer's "-44" parsed as a number).
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 -44 x\r\n\r\n", r, error));
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 2 0 x\r\n\r\n", r, error));
}

void ExpectProcesses(const MetricSet& set) {
  Labels web{{"group", "apps"}, {"name", "web"}};
  Labels worker{{"group", "apps"}, {"name", "worker"}};
  Labels odd{{"group", "grp \"q\""}, {"name", "a<&>b"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_state", web), 20);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_up", web), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_start_time_seconds", web), 1700000000);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_exit_status", web), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_state", worker), 100);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_up", worker), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_exit_status", worker), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_up", odd), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_supervisord_start_time_seconds", odd), 1650000000);
  EXPECT_EQ(SampleCount(set, "node_supervisord_start_time_seconds"), 2u);  // running ones only
  ASSERT_NE(set.Find("node_supervisord_start_time_seconds"), nullptr);
  EXPECT_EQ(set.Find("node_supervisord_start_time_seconds")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_supervisord_up")->help, "Process Up");
}

TEST(Supervisord, OverTcp) {
  PythonServer server(kSupervisord, {"tcp", "ok"});
  MetricSet set;
  NewSupervisordCollector("http://127.0.0.1:" + server.line() + "/RPC2")->Collect(set);
  ExpectProcesses(set);
}

TEST(Supervisord, OverUnixSocket) {
  testing::TempDir dir;
  PythonServer server(kSupervisord, {"unix", dir.path() + "/supervisor.sock", "ok"});
  MetricSet set;
  NewSupervisordCollector("unix://" + server.line())->Collect(set);
  ExpectProcesses(set);
}

TEST(Supervisord, FaultAndHttpErrorFail) {
  for (const char* answer : {"fault", "status500"}) {
    PythonServer server(kSupervisord, {"tcp", answer});
    MetricSet set;
    EXPECT_THROW(NewSupervisordCollector("http://127.0.0.1:" + server.line() + "/RPC2")->Collect(set),
                 std::runtime_error)
        << answer;
  }
}

TEST(Supervisord, HungServerTimesOut) {
  PythonServer server(kSupervisord, {"tcp", "hang"});
  auto collector = NewSupervisordCollector("http://127.0.0.1:" + server.line() + "/RPC2", std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  MetricSet set;
  EXPECT_THROW(collector->Collect(set), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Supervisord, NoServerFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewSupervisordCollector("unix://" + dir.path() + "/none.sock")->Collect(set), std::runtime_error);
  EXPECT_THROW(NewSupervisordCollector("https://localhost/RPC2"), std::invalid_argument);
}

}  // namespace
}  // namespace node_agent
