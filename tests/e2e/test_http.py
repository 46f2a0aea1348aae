"""The agent's HTTP surface, through real sockets."""
import http.client
import socket
import subprocess
import unittest

from common import AGENT, Process, free_port, get, parse, start_agent, wait_http


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agent, cls.port = start_agent('--collector.disable-defaults')

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def test_metrics_is_text_format(self):
        resp, body = get(self.port)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader('Content-Type'), 'text/plain; version=0.0.4; charset=utf-8')
        fams = parse(body.decode())
        self.assertIn('node_agent_build_info', fams)
        self.assertIn('process_resident_memory_bytes', fams)
        self.assertEqual(fams['process_cpu_seconds_total']['type'], 'counter')

    def test_head_has_length_and_no_body(self):
        resp, body = get(self.port, method='HEAD')
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b'')
        self.assertGreater(int(resp.getheader('Content-Length')), 100)

    def test_landing_page_links_metrics(self):
        resp, body = get(self.port, '/')
        self.assertEqual(resp.status, 200)
        self.assertIn(b'href="/metrics"', body)

    def test_unknown_path_and_method(self):
        self.assertEqual(get(self.port, '/nope')[0].status, 404)
        resp, _ = get(self.port, method='POST')
        self.assertEqual(resp.status, 405)
        self.assertIn('GET', resp.getheader('Allow'))
        self.assertEqual(get(self.port, method='DELETE')[0].status, 405)

    def test_collect_filter_unknown_collector(self):
        resp, body = get(self.port, '/metrics?collect[]=nonexistent')
        self.assertEqual(resp.status, 400)
        self.assertIn(b'nonexistent', body)

    def test_keep_alive_reuses_connection(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=5)
        conn.request('GET', '/metrics')
        r1 = conn.getresponse()
        r1.read()
        sock = conn.sock
        conn.request('GET', '/metrics')
        r2 = conn.getresponse()
        r2.read()
        self.assertIs(conn.sock, sock, 'second request opened a new connection')
        self.assertEqual((r1.status, r2.status), (200, 200))
        conn.close()

    def test_malformed_request_gets_400_and_server_survives(self):
        with socket.create_connection(('127.0.0.1', self.port), timeout=5) as s:
            s.sendall(b'GARBAGE\r\n\r\n')
            data = s.recv(1024)
        self.assertTrue(data.startswith(b'HTTP/1.1 400'), data)
        with socket.create_connection(('127.0.0.1', self.port), timeout=5) as s:
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 40000 + b'\r\n\r\n')
            data = s.recv(1024)
        self.assertTrue(data.startswith(b'HTTP/1.1 431'), data)
        self.assertEqual(get(self.port)[0].status, 200)


class FlagsTest(unittest.TestCase):
    def run_agent(self, *args):
        return subprocess.run([AGENT, *args], capture_output=True, text=True, timeout=10)

    def test_version_and_help(self):
        r = self.run_agent('--version')
        self.assertEqual(r.returncode, 0)
        self.assertIn('node-agent, version', r.stdout + r.stderr)
        r = self.run_agent('--help')
        self.assertEqual(r.returncode, 0)
        for flag in ('--web.listen-address', '--path.sysfs', '--collector.disable-defaults', '--log.format'):
            self.assertIn(flag, r.stdout)

    def test_bad_flag_names_it(self):
        r = self.run_agent('--collector.no-such-thing')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--collector.no-such-thing', r.stderr)
        r = self.run_agent('--web.listen-address=nohost:80')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--web.listen-address', r.stderr)

    def test_port_in_use_is_a_clear_error(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            s.listen()
            r = self.run_agent(f'--web.listen-address=127.0.0.1:{s.getsockname()[1]}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('cannot listen', r.stderr)

    def test_ipv6_and_telemetry_path_and_json_logs(self):
        port = free_port()
        p = Process([AGENT, f'--web.listen-address=[::1]:{port}', f'--web.listen-address=127.0.0.1:{port}',
                     '--web.telemetry-path=/m', '--log.format=json', '--collector.disable-defaults'])
        try:
            wait_http(port, '/m', proc=p)
            try:
                wait_http(port, '/m', host='::1', timeout=3)
            except OSError:
                self.skipTest('no IPv6 loopback here')
            self.assertEqual(get(port, '/metrics')[0].status, 404)
        finally:
            out = p.output()
            self.assertEqual(p.stop(), 0)
        self.assertIn('"level":"info"', out)

    def test_sigterm_exits_zero(self):
        p, port = start_agent('--collector.disable-defaults')
        self.assertEqual(p.stop(), 0)


if __name__ == '__main__':
    unittest.main()
