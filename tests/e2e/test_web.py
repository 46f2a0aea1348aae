"""--web.config.file (TLS, basic auth, headers), the HTTP limits and the service
life (signals, systemd notification), through real sockets, real openssl-made
certificates and a real Prometheus."""
import base64
import ctypes
import json
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

from common import AGENT, free_port, get, parse, start_agent, start_prometheus

OPENSSL = shutil.which('openssl')
PROMETHEUS = shutil.which('prometheus')


def bcrypt(password):
    """A bcrypt hash from libxcrypt itself (cost 4: fast), as htpasswd -B would make."""
    lib = ctypes.CDLL('libcrypt.so.1')
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt.restype = ctypes.c_char_p
    salt = lib.crypt_gensalt(b'$2b$', 4, None, 0)
    return lib.crypt(password.encode(), salt).decode()


def basic(user, password):
    return {'Authorization': 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()}


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(d):
    """A CA, two server certificates for 127.0.0.1 (for rotation), a client
    certificate, and a self-signed client certificate (rogue) the CA never signed."""
    for name in ('ca', 'rogue'):
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', f'/CN=test-{name}',
                '-addext', 'subjectAltName=DNS:client.test', '-keyout', f'{name}.key', '-out', f'{name}.crt',
                cwd=d)
    for name, san in (('server', 'IP:127.0.0.1,DNS:localhost'), ('server2', 'IP:127.0.0.1,DNS:localhost'),
                      ('client', 'DNS:client.test')):
        openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', f'/CN={name}', '-keyout', f'{name}.key',
                '-out', f'{name}.csr', cwd=d)
        with open(os.path.join(d, f'{name}.ext'), 'w') as f:
            f.write(f'subjectAltName={san}\n')
        openssl('x509', '-req', '-in', f'{name}.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
                '-days', '2', '-extfile', f'{name}.ext', '-out', f'{name}.crt', cwd=d)


def client_context(d, cert=None):
    ctx = ssl.create_default_context(cafile=os.path.join(d, 'ca.crt'))
    if cert:
        ctx.load_cert_chain(os.path.join(d, f'{cert}.crt'), os.path.join(d, f'{cert}.key'))
    return ctx


def served_cert_der(port, ctx):
    with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
            return s.getpeercert(binary_form=True)


def file_der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


@unittest.skipUnless(OPENSSL, 'openssl is not installed')
class WebConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='e2e-web-')
        make_pki(cls.dir)
        cls.hash = bcrypt('s3cr3t')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write_config(self, text, name='web.yml'):
        path = os.path.join(self.dir, name)
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)  # atomic, as a config manager writes it
        return path

    def start(self, config_text, *args, ssl_context=None, headers=None, env=None):
        path = self.write_config(config_text, f'web-{self.id().split(".")[-1]}.yml')
        agent, port = start_agent('--collector.disable-defaults', f'--web.config.file={path}', *args,
                                  ssl_context=ssl_context, headers=headers, env=env)
        self.addCleanup(agent.stop)
        return agent, port, path

    def tls_auth_config(self, extra=''):
        return (f'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n{extra}'
                f'basic_auth_users:\n  prometheus: {self.hash}\n'
                'http_server_config:\n  headers:\n    X-Frame-Options: deny\n')

    def test_basic_auth_over_tls(self):
        ctx = client_context(self.dir)
        good = basic('prometheus', 's3cr3t')
        agent, port, _ = self.start(self.tls_auth_config(), ssl_context=ctx, headers=good)
        resp, _ = get(port, ssl_context=ctx)
        self.assertEqual(resp.status, 401)
        self.assertEqual(resp.getheader('WWW-Authenticate'), 'Basic')
        self.assertEqual(resp.getheader('X-Frame-Options'), 'deny')
        self.assertEqual(get(port, ssl_context=ctx, headers=basic('prometheus', 'wrong'))[0].status, 401)
        self.assertEqual(get(port, ssl_context=ctx, headers=basic('nobody', 's3cr3t'))[0].status, 401)
        resp, body = get(port, ssl_context=ctx, headers=good)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader('X-Frame-Options'), 'deny')
        self.assertIn('node_agent_build_info', parse(body.decode()))

    def test_plain_http_to_tls_port_fails_cleanly(self):
        ctx = client_context(self.dir)
        agent, port, _ = self.start(self.tls_auth_config(), ssl_context=ctx, headers=basic('prometheus', 's3cr3t'))
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
            data = b''
            while True:  # the server closes the connection; nothing like an HTTP answer comes
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertFalse(data.startswith(b'HTTP/'), data)
        self.assertIsNone(agent.proc.poll(), 'agent died')
        self.assertEqual(get(port, ssl_context=ctx, headers=basic('prometheus', 's3cr3t'))[0].status, 200)

    def test_client_certificate_required(self):
        config = ('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n'
                  '  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n')
        with_cert = client_context(self.dir, cert='client')
        agent, port, _ = self.start(config, ssl_context=with_cert)
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            get(port, ssl_context=client_context(self.dir))
        # A certificate the CA did not sign is refused too.
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            get(port, ssl_context=client_context(self.dir, cert='rogue'))
        self.assertEqual(get(port, ssl_context=with_cert)[0].status, 200)
        self.assertIsNone(agent.proc.poll())

    def test_client_allowed_sans(self):
        config = ('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n'
                  '  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n'
                  '  client_allowed_sans: [client.test]\n')
        _, port, _ = self.start(config, ssl_context=client_context(self.dir, cert='client'))
        self.assertEqual(get(port, ssl_context=client_context(self.dir, cert='client'))[0].status, 200)
        # The server certificate as a client certificate: CA-signed, but not an allowed SAN.
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            get(port, ssl_context=client_context(self.dir, cert='server'))

    def test_certificate_rotation_without_restart(self):
        cert = os.path.join(self.dir, 'rot.crt')
        key = os.path.join(self.dir, 'rot.key')
        shutil.copy(os.path.join(self.dir, 'server.crt'), cert)
        shutil.copy(os.path.join(self.dir, 'server.key'), key)
        ctx = client_context(self.dir)
        _, port, _ = self.start(f'tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n', ssl_context=ctx)
        self.assertEqual(served_cert_der(port, ctx), file_der(cert))
        # New files in place (key first, then certificate, as a renewal does).
        for ext in ('key', 'crt'):
            shutil.copy(os.path.join(self.dir, f'server2.{ext}'), os.path.join(self.dir, f'rot.{ext}.new'))
            os.replace(os.path.join(self.dir, f'rot.{ext}.new'), os.path.join(self.dir, f'rot.{ext}'))
        want = file_der(os.path.join(self.dir, 'server2.crt'))
        deadline = time.monotonic() + 10
        while served_cert_der(port, ctx) != want and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(served_cert_der(port, ctx), want, 'rotated certificate not served')

    def test_sighup_with_broken_file_keeps_old_config(self):
        good = basic('prometheus', 's3cr3t')
        agent, port, path = self.start(f'basic_auth_users:\n  prometheus: {self.hash}\n', headers=good)
        self.write_config('basic_auth_users: [broken\n', os.path.basename(path))
        agent.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertIsNone(agent.proc.poll(), 'agent exited on a bad config at reload')
        self.assertEqual(get(port)[0].status, 401)
        self.assertEqual(get(port, headers=good)[0].status, 200)
        self.assertIn('cannot reload web config', agent.output())
        # A good file with a new password is taken on SIGHUP.
        self.write_config(f'basic_auth_users:\n  prometheus: {bcrypt("n3w")}\n', os.path.basename(path))
        agent.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while get(port, headers=basic('prometheus', 'n3w'))[0].status != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(get(port, headers=basic('prometheus', 'n3w'))[0].status, 200)
        self.assertEqual(get(port, headers=good)[0].status, 401)

    def test_bad_config_at_start_exits_nonzero(self):
        for text, field in (('tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n',
                             'cert_file'),
                            ('basic_auth_users:\n  alice: plain\n', 'basic_auth_users.alice'),
                            ('nonsense: 1\n', 'nonsense')):
            path = self.write_config(text, 'bad.yml')
            r = subprocess.run([AGENT, f'--web.listen-address=127.0.0.1:{free_port()}', '--ray.sd-file=',
                                f'--web.config.file={path}'], capture_output=True, text=True, timeout=10)
            self.assertNotEqual(r.returncode, 0, text)
            self.assertIn(field, r.stderr)
        r = subprocess.run([AGENT, '--ray.sd-file=', '--web.config.file=/nonexistent/web.yml'],
                           capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('/nonexistent/web.yml', r.stderr)

    @unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
    def test_prometheus_scrapes_over_tls_with_basic_auth(self):
        ctx = client_context(self.dir)
        _, port, _ = self.start(self.tls_auth_config(), ssl_context=ctx, headers=basic('prometheus', 's3cr3t'))
        pdir = tempfile.mkdtemp(prefix='e2e-prom-tls-')
        self.addCleanup(shutil.rmtree, pdir, True)
        prom, prom_port = start_prometheus(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    scheme: https
    tls_config:
      ca_file: {self.dir}/ca.crt
    basic_auth:
      username: prometheus
      password: s3cr3t
    static_configs:
      - targets: ['127.0.0.1:{port}']
""", pdir)
        self.addCleanup(prom.stop)
        deadline = time.monotonic() + 30
        result = []
        while time.monotonic() < deadline:
            url = f'http://127.0.0.1:{prom_port}/api/v1/query?' + urllib.parse.urlencode({'query': 'up'})
            with urllib.request.urlopen(url, timeout=5) as r:
                result = json.load(r)['data']['result']
            if result and result[0]['value'][1] == '1':
                break
            time.sleep(0.5)
        self.assertTrue(result and result[0]['value'][1] == '1', result)


class ServiceLifeTest(unittest.TestCase):
    def test_sigterm_exits_zero_and_notify_socket(self):
        d = tempfile.mkdtemp(prefix='e2e-notify-')
        self.addCleanup(shutil.rmtree, d, True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(os.path.join(d, 'notify'))
        sock.settimeout(10)
        self.addCleanup(sock.close)
        agent, port = start_agent('--collector.disable-defaults',
                                  env=dict(os.environ, NOTIFY_SOCKET=os.path.join(d, 'notify')))
        self.assertEqual(sock.recv(256), b'READY=1')
        agent.proc.send_signal(signal.SIGTERM)
        self.assertEqual(agent.proc.wait(timeout=15), 0)
        self.assertEqual(sock.recv(256), b'STOPPING=1')
        agent.stop()

    def test_sigint_exits_zero(self):
        agent, port = start_agent('--collector.disable-defaults')
        agent.proc.send_signal(signal.SIGINT)
        self.assertEqual(agent.proc.wait(timeout=15), 0)
        agent.stop()


class LimitsTest(unittest.TestCase):
    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 2200 <= hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 2200:
            self.skipTest('RLIMIT_NOFILE too low for 1000 connections')

    def scrape_all(self, port, n):
        results = [None] * n
        barrier = threading.Barrier(n)

        def one(i):
            barrier.wait()
            try:
                resp, body = get(port)
                results[i] = resp.status
            except OSError as e:
                results[i] = repr(e)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return results

    def test_idle_connections_do_not_stop_scrapes(self):
        agent, port = start_agent()  # default collectors: real scrapes
        self.addCleanup(agent.stop)
        idle = []
        self.addCleanup(lambda: [s.close() for s in idle])
        for i in range(1000):
            s = socket.create_connection(('127.0.0.1', port), timeout=5)
            if i % 2:
                s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ')  # a head that never ends
            idle.append(s)
        results = self.scrape_all(port, 40)
        self.assertEqual(results, [200] * 40)
        self.assertIsNone(agent.proc.poll())

    def test_past_max_requests_503(self):
        agent, port = start_agent('--web.max-requests=1')
        self.addCleanup(agent.stop)
        seen = set()
        for _ in range(10):
            seen.update(self.scrape_all(port, 40))
            if 503 in seen:
                break
        self.assertLessEqual(seen, {200, 503})
        self.assertIn(503, seen)
        samples = parse(get(port)[1].decode())['promhttp_metric_handler_requests_total']['samples']
        self.assertGreater(samples[('promhttp_metric_handler_requests_total', (('code', '503'),))], 0)


if __name__ == '__main__':
    unittest.main()
