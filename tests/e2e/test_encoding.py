"""gzip and content negotiation through real sockets, as Prometheus asks."""
import gzip
import http.client
import unittest

from common import NODE_EXPORTER, Process, free_port, get, parse, start_agent, wait_http

PROM_ACCEPT = ('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,'
               'text/plain;version=0.0.4;q=0.5,*/*;q=0.1')
TEXT = 'text/plain; version=0.0.4; charset=utf-8'


class EncodingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agent, cls.port = start_agent('--collector.disable-defaults', '--collector.loadavg', '--collector.cpu')

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def test_prometheus_request_gets_gzipped_text(self):
        resp, body = get(self.port, headers={'Accept': PROM_ACCEPT, 'Accept-Encoding': 'gzip'})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader('Content-Encoding'), 'gzip')
        self.assertEqual(resp.getheader('Vary'), 'Accept-Encoding')
        # OpenMetrics is not implemented, so Prometheus' header gets text 0.0.4.
        self.assertEqual(resp.getheader('Content-Type'), TEXT)
        self.assertEqual(int(resp.getheader('Content-Length')), len(body))
        fams = parse(gzip.decompress(body).decode())
        self.assertIn('node_load1', fams)
        self.assertEqual(fams['node_cpu_seconds_total']['type'], 'counter')

    def test_no_gzip_unless_accepted(self):
        for enc in (None, 'identity', 'gzip;q=0', 'deflate, br', '*;q=0'):
            headers = {'Accept': PROM_ACCEPT}
            if enc is not None:
                headers['Accept-Encoding'] = enc
            resp, body = get(self.port, headers=headers)
            self.assertEqual(resp.status, 200, enc)
            self.assertIsNone(resp.getheader('Content-Encoding'), enc)
            self.assertEqual(resp.getheader('Vary'), 'Accept-Encoding', enc)
            self.assertIn('node_load1', parse(body.decode()), enc)

    def test_q_values_and_wildcard(self):
        for enc in ('deflate;q=1, gzip;q=0.1', '*', 'x-gzip'):
            resp, body = get(self.port, headers={'Accept-Encoding': enc})
            self.assertEqual(resp.getheader('Content-Encoding'), 'gzip', enc)
            self.assertIn('node_load1', parse(gzip.decompress(body).decode()), enc)

    def test_keep_alive_alternating_encodings(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        try:
            for i in range(6):
                enc = 'gzip' if i % 2 else 'identity'
                conn.request('GET', '/metrics', headers={'Accept-Encoding': enc, 'Accept': PROM_ACCEPT})
                resp = conn.getresponse()
                body = resp.read()
                text = gzip.decompress(body) if enc == 'gzip' else body
                self.assertEqual(resp.getheader('Content-Encoding'), 'gzip' if i % 2 else None)
                self.assertIn(b'node_load1', text)
        finally:
            conn.close()

    def test_head_with_gzip_has_compressed_length(self):
        resp, body = get(self.port, method='HEAD', headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b'')
        self.assertEqual(resp.getheader('Content-Encoding'), 'gzip')
        self.assertGreater(int(resp.getheader('Content-Length')), 20)

    def test_errors_not_gzipped(self):
        resp, body = get(self.port, '/metrics?collect[]=nope', headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(resp.status, 400)
        self.assertIsNone(resp.getheader('Content-Encoding'))
        self.assertIn(b'nope', body)


@unittest.skipUnless(NODE_EXPORTER, 'node_exporter is not installed')
class SameBytesAsNodeExporterTest(unittest.TestCase):
    """Values are formatted as Go's expfmt does: node_load*, which both read
    from one /proc/loadavg line, come out as the same strings."""

    def test_value_strings_match_go(self):
        flags = ['--collector.disable-defaults', '--collector.meminfo']
        agent, port = start_agent(*flags)
        try:
            ne_port = free_port()
            ne = Process([NODE_EXPORTER, f'--web.listen-address=127.0.0.1:{ne_port}'] + flags)
            try:
                wait_http(ne_port, proc=ne, timeout=20)
                a = get(port)[1].decode()
                n = get(ne_port)[1].decode()
            finally:
                ne.stop()
        finally:
            agent.stop()

        def values(text, names):
            out = {}
            for line in text.splitlines():
                parts = line.split(' ')
                if len(parts) == 2 and parts[0] in names:
                    out[parts[0]] = parts[1]
            return out
        # Fixed sizes that do not move between the two scrapes.
        names = {'node_memory_MemTotal_bytes', 'node_memory_SwapTotal_bytes', 'node_memory_Hugepagesize_bytes',
                 'node_memory_VmallocTotal_bytes', 'node_memory_HugePages_Total'}
        nv = values(n, names)
        self.assertTrue(nv)
        self.assertEqual(values(a, names), nv)


if __name__ == '__main__':
    unittest.main()
