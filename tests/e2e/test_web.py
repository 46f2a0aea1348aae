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


def s_client(port, *args):
    """One handshake with the openssl CLI: (ok, {'Protocol version': ..., 'Ciphersuite': ...,
    'Signature type': ..., 'Server Temp Key': ...})."""
    r = subprocess.run([OPENSSL, 's_client', '-connect', f'127.0.0.1:{port}', '-brief', *args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    fields = dict(line.split(': ', 1) for line in r.stderr.splitlines() if ': ' in line)
    return r.returncode == 0 and 'CONNECTION ESTABLISHED' in r.stderr, fields


@unittest.skipUnless(OPENSSL, 'openssl is not installed')
class TlsFeaturesTest(unittest.TestCase):
    """What exporter-toolkit's tls_server_config offers, handshake by handshake: the
    versions, each cipher suite name, each curve, RSA/ECDSA/Ed25519 keys, inline PEM.
    (What a smaller OpenSSL in the static binary would have to keep; NODE_AGENT_BINARY runs it
    against that binary.)"""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='e2e-tls-')
        make_pki(cls.dir)
        for name, alg in (('p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
                          ('p384', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384']),
                          ('ed25519', ['ed25519'])):
            openssl('req', '-newkey', *alg, '-nodes', '-subj', f'/CN={name}', '-keyout', f'{name}.key',
                    '-out', f'{name}.csr', cwd=cls.dir)
            openssl('x509', '-req', '-in', f'{name}.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
                    '-days', '2', '-extfile', 'server.ext', '-out', f'{name}.crt', cwd=cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def start(self, tls_lines, cert='server'):
        path = os.path.join(self.dir, f'web-{len(os.listdir(self.dir))}.yml')
        with open(path, 'w') as f:
            f.write(f'tls_server_config:\n  cert_file: {cert}.crt\n  key_file: {cert}.key\n'
                    + ''.join(f'  {line}\n' for line in tls_lines))
        ctx = client_context(self.dir)
        ctx.set_ciphers('ALL:@SECLEVEL=0')  # Python's default refuses the RSA-key-exchange and SHA-1 suites
        agent, port = start_agent('--collector.disable-defaults', f'--web.config.file={path}', ssl_context=ctx)
        self.addCleanup(agent.stop)
        return port

    def test_versions(self):
        port = self.start([])  # exporter-toolkit's defaults: TLS 1.2 to 1.3
        for flag, version in (('-tls1_2', 'TLSv1.2'), ('-tls1_3', 'TLSv1.3')):
            ok, f = s_client(port, flag)
            self.assertTrue(ok, flag)
            self.assertEqual(f['Protocol version'], version)
        port = self.start(['min_version: TLS13'])
        self.assertFalse(s_client(port, '-tls1_2')[0])
        self.assertTrue(s_client(port, '-tls1_3')[0])
        port = self.start(['max_version: TLS12'])
        self.assertFalse(s_client(port, '-tls1_3')[0])
        self.assertTrue(s_client(port, '-tls1_2')[0])
        # Accepted as exporter-toolkit accepts them; TLS 1.2 still works.
        for v in ('TLS10', 'TLS11'):
            self.assertTrue(s_client(self.start([f'min_version: {v}']), '-tls1_2')[0], v)

    def test_each_tls12_cipher_suite(self):
        # exporter-toolkit's (Go's) name -> OpenSSL's, and the key type it needs.
        suites = {
            'TLS_RSA_WITH_AES_128_CBC_SHA': ('AES128-SHA', 'server'),
            'TLS_RSA_WITH_AES_256_CBC_SHA': ('AES256-SHA', 'server'),
            'TLS_RSA_WITH_AES_128_GCM_SHA256': ('AES128-GCM-SHA256', 'server'),
            'TLS_RSA_WITH_AES_256_GCM_SHA384': ('AES256-GCM-SHA384', 'server'),
            'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA': ('ECDHE-RSA-AES128-SHA', 'server'),
            'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA': ('ECDHE-RSA-AES256-SHA', 'server'),
            'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256': ('ECDHE-RSA-AES128-GCM-SHA256', 'server'),
            'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384': ('ECDHE-RSA-AES256-GCM-SHA384', 'server'),
            'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA': ('ECDHE-ECDSA-AES128-SHA', 'p256'),
            'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA': ('ECDHE-ECDSA-AES256-SHA', 'p256'),
            'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256': ('ECDHE-ECDSA-AES128-GCM-SHA256', 'p256'),
            'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384': ('ECDHE-ECDSA-AES256-GCM-SHA384', 'p256'),
        }
        for go_name, (name, cert) in suites.items():
            with self.subTest(go_name):
                port = self.start([f'cipher_suites: [{go_name}]', 'max_version: TLS12'], cert=cert)
                # The client offers everything (level 0: the plain-RSA and SHA-1 suites too).
                ok, f = s_client(port, '-tls1_2', '-cipher', 'ALL:@SECLEVEL=0')
                self.assertTrue(ok)
                self.assertEqual(f['Ciphersuite'], name)

    def test_tls13_suites_and_key_types(self):
        for cert, sig in (('server', 'RSA-PSS'), ('p256', 'ECDSA'), ('p384', 'ECDSA'), ('ed25519', 'ed25519')):
            port = self.start([], cert=cert)
            for suite in ('TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'):
                with self.subTest(cert=cert, suite=suite):
                    ok, f = s_client(port, '-tls1_3', '-ciphersuites', suite)
                    self.assertTrue(ok)
                    self.assertEqual((f['Ciphersuite'], f['Signature type']), (suite, sig))
            if cert != 'ed25519':  # TLS 1.2 with the same key (Ed25519 there needs a client that offers it)
                self.assertTrue(s_client(port, '-tls1_2')[0], cert)
        # The scrape itself over TLS 1.3 with an Ed25519 certificate (Python's client).
        port = self.start([], cert='ed25519')
        self.assertEqual(get(port, ssl_context=client_context(self.dir))[0].status, 200)

    def test_each_curve(self):
        curves = {'CurveP256': 'ECDH, prime256v1, 256 bits', 'CurveP384': 'ECDH, secp384r1, 384 bits',
                  'CurveP521': 'ECDH, secp521r1, 521 bits', 'X25519': 'X25519, 253 bits'}
        for go_name, temp_key in curves.items():
            port = self.start([f'curve_preferences: [{go_name}]'])
            for flag in ('-tls1_2', '-tls1_3'):
                with self.subTest(go_name, version=flag):
                    ok, f = s_client(port, flag, '-groups', 'X25519:P-256:P-384:P-521')
                    self.assertTrue(ok)
                    self.assertEqual(f['Server Temp Key'], temp_key)

    def test_inline_cert_key_and_client_ca(self):
        def pem(name):
            with open(os.path.join(self.dir, name)) as f:
                return f.read()

        def block(text):
            return '|\n' + ''.join(f'    {line}\n' for line in text.splitlines())
        path = os.path.join(self.dir, 'inline.yml')
        with open(path, 'w') as f:
            f.write(f'tls_server_config:\n  cert: {block(pem("p384.crt"))}  key: {block(pem("p384.key"))}'
                    f'  client_ca: {block(pem("ca.crt"))}  client_auth_type: RequireAndVerifyClientCert\n')
        with_cert = client_context(self.dir, cert='client')
        agent, port = start_agent('--collector.disable-defaults', f'--web.config.file={path}',
                                  ssl_context=with_cert)
        self.addCleanup(agent.stop)
        self.assertEqual(get(port, ssl_context=with_cert)[0].status, 200)
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            get(port, ssl_context=client_context(self.dir))


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
