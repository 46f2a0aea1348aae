"""Hostile neighbours (issue 15): what a local user, a client with bad
credentials or a stuck handler can do to the agent, one test per item. Each
test runs the built binary on loopback with temporary directories, bounded in
time, and failed on the binary before the fix (see the commit message).

Ray's /tmp/ray is world-writable, so the Ray file and the follower's output
directory are hostile ground; the HTTP tests use raw sockets where a client
library would tidy the request up."""
import base64
import http.client
import json
import os
import resource
import signal
import stat
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from common import AGENT, Process, fd_count, free_port, get, parse, proc_status, start_agent, wait_http

# Ray's file as Ray writes it, for two nodes.
RAY_SD = json.dumps([{'labels': {'job': 'ray'}, 'targets': ['10.0.0.1:44217', '10.0.0.2:44217']}])
# bcrypt of "right-password" at cost 10 and 4 (python3 crypt.crypt).
HASH_10 = '$2b$10$abcdefghijklmnopqrstuuFxpdDxfuk0JCf5GMA8H.vzoIln81UOO'
HASH_4 = '$2b$04$abcdefghijklmnopqrstuuS80hwFD6gSIL20SCUGvmL7S939BjOHW'


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f'not within {timeout}s: {what}')


def basic(user, password):
    raw = user.encode() + b':' + password
    return {'Authorization': 'Basic ' + base64.b64encode(raw).decode()}


def is_asan(path):
    with open(path, 'rb') as f:
        return b'__asan_init' in f.read()


def limit_address_space():
    # A follower reading /dev/zero without a bound must die fast, not eat the
    # test machine's memory (ASan needs its huge reservations: no limit there).
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


class RayAgent:
    """An agent following a Ray file in a temp directory."""

    def __init__(self, test, write_ray=True, preexec=None):
        self.dir = tempfile.TemporaryDirectory(prefix='hostile-ray-')
        test.addCleanup(self.dir.cleanup)
        self.ray = os.path.join(self.dir.name, 'prom_metrics_service_discovery.json')
        self.out = os.path.join(self.dir.name, 'node_agent_service_discovery.json')
        if write_ray:
            self.write_ray(RAY_SD)
        self.port = free_port()
        argv = [AGENT, f'--web.listen-address=127.0.0.1:{self.port}', '--collector.disable-defaults',
                '--collector.loadavg', f'--ray.sd-file={self.ray}', f'--ray.sd-output={self.out}']
        self.proc = Process(argv, preexec_fn=preexec)
        test.addCleanup(self.stop)
        wait_http(self.port, proc=self.proc)

    def write_ray(self, text):
        tmp = self.ray + '.new'
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, self.ray)

    def replace_ray(self, make):
        """Puts what `make(path)` creates at Ray's path in one rename."""
        tmp = os.path.join(self.dir.name, 'replacement')
        make(tmp)
        os.rename(tmp, self.ray)

    def targets(self):
        """The output's targets, or None while it is not a regular file of our JSON
        (never read through a link or from a FIFO: the test plants those)."""
        try:
            fd = os.open(self.out, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd) as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            try:
                return sorted(t for g in json.load(f) for t in g['targets'])
            except (OSError, ValueError, KeyError, TypeError):
                return None

    def stop(self):
        if os.path.exists(self.proc.log.name):
            self.proc.stop()


class RayFollowerFile(unittest.TestCase):
    """Items 1 and 2: what the follower reads."""

    def test_unreadable_ray_file_costs_no_cpu_and_keeps_the_grace(self):
        a = RayAgent(self)
        wait_for(lambda: a.targets() is not None, 10, 'output written')
        # Deleted, then within the grace period replaced by a file the agent
        # cannot read (a symlink loop: even root gets ELOOP).
        os.unlink(a.ray)
        time.sleep(0.3)  # the follower sees it missing, the grace period starts
        os.symlink(os.path.basename(a.ray), a.ray)
        time.sleep(1.5)  # past the grace period that started with the deletion
        before = cpu_seconds(a.proc.proc.pid)
        time.sleep(2)  # the observation window
        used = cpu_seconds(a.proc.proc.pid) - before
        self.assertLess(used, 0.3, f'follower used {used:.2f}s of CPU in 2s with an unreadable file')
        self.assertIsNotNone(a.targets(), 'an unreadable file must keep the last targets')
        # A deletion now still gets its grace period.
        os.unlink(a.ray)
        time.sleep(0.3)
        self.assertIsNotNone(a.targets(), 'output removed before the grace period ended')
        wait_for(lambda: not os.path.exists(a.out), 10, 'output removed after the grace period')

    def test_endless_or_huge_ray_file_is_refused(self):
        preexec = None if is_asan(AGENT) else limit_address_space
        a = RayAgent(self, preexec=preexec)
        wait_for(lambda: a.targets() is not None, 10, 'output written')
        expected = a.targets()
        a.replace_ray(lambda p: os.symlink('/dev/zero', p))
        wait_for(lambda: 'not a regular file' in a.proc.output() or a.proc.proc.poll() is not None, 15,
                 'a /dev/zero Ray file refused (or the agent dead)')
        self.assertIsNone(a.proc.proc.poll(), 'agent died on /dev/zero:\n' + a.proc.output()[-2000:])

        def sparse(p):
            with open(p, 'w') as f:
                f.truncate(3 << 30)
        a.replace_ray(sparse)
        wait_for(lambda: 'more than the limit' in a.proc.output() or a.proc.proc.poll() is not None, 30,
                 'a 3 GB sparse Ray file refused (or the agent dead)')
        self.assertIsNone(a.proc.proc.poll(), 'agent died on a 3 GB file:\n' + a.proc.output()[-2000:])
        self.assertEqual(get(a.port)[0].status, 200)
        self.assertEqual(a.targets(), expected, 'a refused file must keep the last targets')
        self.assertEqual(a.proc.output().count('more than the limit'), 1, 'one log line, not one per poll')


class RayFollowerOutput(unittest.TestCase):
    """Item 3: where the follower writes."""

    def old_temp_name(self, a):
        return os.path.join(a.dir.name, f'.{os.path.basename(a.out)}.tmp.{a.proc.proc.pid}')

    def test_fifo_at_temp_name_neither_blocks_the_write_nor_shutdown(self):
        a = RayAgent(self, write_ray=False)
        os.mkfifo(self.old_temp_name(a))  # the name the follower once used
        a.write_ray(RAY_SD)
        wait_for(lambda: a.targets() is not None, 10, 'output written despite a FIFO at the temp name')
        self.assertEqual(get(a.port)[0].status, 200)
        start = time.monotonic()
        a.proc.proc.send_signal(signal.SIGTERM)
        try:
            rc = a.proc.proc.wait(timeout=12)
        except subprocess.TimeoutExpired:
            self.fail('no exit within 12s of SIGTERM')
        self.assertEqual(rc, 0)
        self.assertLess(time.monotonic() - start, 12)

    def test_symlinks_never_redirect_the_write(self):
        victim_dir = tempfile.TemporaryDirectory(prefix='hostile-victim-')
        self.addCleanup(victim_dir.cleanup)
        victim = os.path.join(victim_dir.name, 'victim')
        with open(victim, 'w') as f:
            f.write('precious\n')
        a = RayAgent(self, write_ray=False)
        os.symlink(victim, self.old_temp_name(a))
        os.symlink(victim, a.out)
        a.write_ray(RAY_SD)
        wait_for(lambda: a.targets() is not None and not os.path.islink(a.out), 10,
                 'output written as a file of its own')
        with open(victim) as f:
            self.assertEqual(f.read(), 'precious\n')
        self.assertEqual(len(a.targets()), 2)

    def test_output_symlink_to_dev_zero_is_replaced_not_read(self):
        preexec = None if is_asan(AGENT) else limit_address_space
        a = RayAgent(self, write_ray=False, preexec=preexec)
        os.symlink('/dev/zero', a.out)
        a.write_ray(RAY_SD)
        wait_for(lambda: a.targets() is not None or a.proc.proc.poll() is not None, 15, 'output written')
        self.assertIsNone(a.proc.proc.poll(), 'agent died:\n' + a.proc.output()[-2000:])
        self.assertFalse(os.path.islink(a.out))


def web_config(dir_, users):
    path = os.path.join(dir_, 'web.yml')
    with open(path, 'w') as f:
        f.write('basic_auth_users:\n' + ''.join(f"  {u}: '{h}'\n" for u, h in users.items()))
    return path


class BadCredentials(unittest.TestCase):
    """Items 4 and 5, and item 8's NUL in a password."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='hostile-auth-')
        self.addCleanup(self.dir.cleanup)

    def start(self, users, *flags):
        config = web_config(self.dir.name, users)
        agent, port = start_agent('--collector.disable-defaults', '--collector.loadavg',
                                  f'--web.config.file={config}', *flags,
                                  headers=basic('scraper', b'right-password'))
        self.addCleanup(lambda: agent.proc.poll() is None and agent.stop())
        return agent, port

    def test_valid_scraper_served_while_60_clients_send_bad_credentials(self):
        agent, port = self.start({'scraper': HASH_10})
        stop = threading.Event()
        deadline = time.monotonic() + 120
        sent = [0]

        def flood(i):
            n = 0
            while not stop.is_set() and time.monotonic() < deadline:
                user = 'scraper' if i % 2 else f'nobody{i}'
                conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
                try:
                    conn.request('GET', '/metrics', headers=basic(user, f'wrong-{i}-{n}'.encode()))
                    conn.getresponse().read()
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    conn.close()
                n += 1
            sent[0] += n

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(60)]
        for t in threads:
            t.start()
        statuses, slowest = [], 0.0
        try:
            time.sleep(1)  # let the flood fill every slot it can
            for _ in range(40):
                start = time.monotonic()
                resp, _ = get(port, headers=basic('scraper', b'right-password'))
                slowest = max(slowest, time.monotonic() - start)
                statuses.append(resp.status)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        print(f'\nvalid scrapes: {statuses.count(200)}/40 OK, slowest {slowest:.2f}s; '
              f'{sent[0]} bad-credential requests; agent CPU {cpu_seconds(agent.proc.pid):.1f}s')
        self.assertEqual(statuses, [200] * 40)

    def test_cost_31_hash_is_refused(self):
        config = web_config(self.dir.name, {'scraper': HASH_10.replace('$10$', '$31$')})
        port = free_port()
        p = Process([AGENT, f'--web.listen-address=127.0.0.1:{port}', f'--web.config.file={config}',
                     '--ray.sd-file='])
        self.addCleanup(p.stop)
        try:
            rc = p.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail('a cost-31 bcrypt hash was accepted')
        self.assertNotEqual(rc, 0)
        self.assertIn('cost 31', p.output())

    def test_sigterm_exits_within_10s_with_a_stuck_handler(self):
        # The highest cost accepted: each check takes seconds; several queued
        # take longer than the drain.
        agent, port = self.start({'scraper': HASH_4, 'slow': HASH_10.replace('$10$', '$17$')})
        base = cpu_seconds(agent.proc.pid)
        socks = []
        for i in range(8):
            s = socket.create_connection(('127.0.0.1', port), timeout=5)
            auth = basic('slow', f'wrong-{i}'.encode())['Authorization']
            s.sendall(f'GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n'.encode())
            socks.append(s)
        self.addCleanup(lambda: [s.close() for s in socks])
        # CPU spent after the requests: a bcrypt check is running (a busy machine gives it little).
        wait_for(lambda: cpu_seconds(agent.proc.pid) - base > 0.05, 30, 'bcrypt running')
        start = time.monotonic()
        agent.proc.send_signal(signal.SIGTERM)
        try:
            rc = agent.proc.wait(timeout=12)
        except subprocess.TimeoutExpired:
            self.fail('no exit within 12s of SIGTERM with handlers stuck in bcrypt')
        took = time.monotonic() - start
        print(f'\nexit {rc} after {took:.1f}s')
        self.assertEqual(rc, 0)
        self.assertLess(took, 11.5)

    def test_password_with_trailing_nul_does_not_match(self):
        agent, port = self.start({'scraper': HASH_4})
        self.assertEqual(get(port, headers=basic('scraper', b'right-password'))[0].status, 200)
        self.assertEqual(get(port, headers=basic('scraper', b'right-password\0'))[0].status, 401)
        self.assertEqual(get(port, headers=basic('scraper', b'right-password\0x'))[0].status, 401)


class SilentConnections(unittest.TestCase):
    """Item 6."""

    def agent_with_open_files(self, nofile):
        """An agent whose connection cap is nofile - 256 (agent/main.cc)."""
        port = free_port()
        p = Process([AGENT, f'--web.listen-address=127.0.0.1:{port}', '--collector.disable-defaults',
                     '--collector.loadavg', '--ray.sd-file='],
                    preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
        self.addCleanup(p.stop)
        wait_http(port, proc=p)
        return p, port

    def raise_own_limit(self, need):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < need:
            self.skipTest(f'open-file hard limit {hard} too low')
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))

    def test_scrape_succeeds_with_4096_silent_connections_open(self):
        self.raise_own_limit(4096 + 512)
        agent, port = self.agent_with_open_files(4096 + 256)
        base_fds = fd_count(agent.proc.pid)
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        start = time.monotonic()
        for _ in range(4096):
            socks.append(socket.create_connection(('127.0.0.1', port), timeout=5))
        opened = time.monotonic() - start
        first = socks[0]
        first.setblocking(False)

        def first_closed():
            try:
                return first.recv(1) == b''
            except BlockingIOError:
                return False
            except ConnectionResetError:
                return True
        # Every connection accepted, or (on a machine too slow to open 4096 in
        # the head timeout) the oldest already closed by the agent.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (fd_count(agent.proc.pid) >= base_fds + 4096 or first_closed()):
            time.sleep(0.05)
        start = time.monotonic()
        resp, body = get(port)
        print(f'\n4096 silent connections opened in {opened:.1f}s; scrape: {resp.status} '
              f'in {time.monotonic() - start:.2f}s')
        self.assertEqual(resp.status, 200)
        self.assertIn('node_load1', parse(body.decode()))

    def test_silent_connection_gets_the_head_timeout(self):
        agent, port = start_agent('--collector.disable-defaults', '--collector.loadavg')
        self.addCleanup(agent.stop)
        with socket.create_connection(('127.0.0.1', port), timeout=20) as s:
            start = time.monotonic()
            try:
                data = s.recv(1)
            except (ConnectionResetError, socket.timeout) as e:
                data = e
            took = time.monotonic() - start
        print(f'\nsilent connection: {data!r} after {took:.1f}s')
        # Closed at the request-head time (10 s), not the keep-alive idle time (120 s).
        self.assertEqual(data, b'')
        self.assertLess(took, 15)

    def test_longest_idle_connection_evicted_at_the_cap(self):
        agent, port = self.agent_with_open_files(256 + 256)  # cap 256
        conns = []
        self.addCleanup(lambda: [c.close() for c in conns])
        for _ in range(256):
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
            c.request('GET', '/')
            c.getresponse().read()
            conns.append(c)  # keep-alive, idle now
        resp, _ = get(port)
        self.assertEqual(resp.status, 200)
        # The oldest idle connection made room; the newest is still served.
        conns[-1].request('GET', '/')
        self.assertEqual(conns[-1].getresponse().status, 200)
        self.assertIn('closing the longest-idle connections', agent.output())


class TextfileMemory(unittest.TestCase):
    """Item 7."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='hostile-textfile-')
        self.addCleanup(self.dir.cleanup)
        self.agent, self.port = start_agent('--collector.disable-defaults', '--collector.textfile',
                                            f'--collector.textfile.directory={self.dir.name}')
        self.addCleanup(self.agent.stop)

    def scrape(self):
        # A generous deadline: parsing 10^6 series takes seconds on a busy machine.
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=90)
        try:
            conn.request('GET', '/metrics', headers={'X-Prometheus-Scrape-Timeout-Seconds': '60'})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        self.assertEqual(resp.status, 200)
        return body

    def write_series(self, name, series):
        with open(os.path.join(self.dir.name, name + '.tmp'), 'w') as f:
            f.write('# TYPE a gauge\n')
            for i in range(series):
                f.write('a{i="%d"} 1\n' % i)
        os.rename(os.path.join(self.dir.name, name + '.tmp'), os.path.join(self.dir.name, name))

    def rss_kb(self):
        return proc_status(self.agent.proc.pid)['VmRSS']

    def test_rss_returns_after_a_million_series_textfile_is_removed(self):
        self.scrape()
        self.scrape()
        before = self.rss_kb()
        self.write_series('big.prom', 10**6)
        deadline = time.monotonic() + 120
        while b'a{i="999999"} 1' not in self.scrape():
            self.assertLess(time.monotonic(), deadline, 'the 10^6 series never appeared')
        loaded = proc_status(self.agent.proc.pid)['VmHWM']
        os.unlink(os.path.join(self.dir.name, 'big.prom'))
        self.scrape()
        self.scrape()
        after = self.rss_kb()
        print(f'\nVmRSS before {before} kB, peak {loaded} kB, after removal {after} kB')
        self.assertLess(after, before + 32 * 1024)

    def test_oversized_textfile_is_skipped_with_one_log_line(self):
        self.write_series('huge.prom', 1200 * 1000)  # about 19 MB
        self.write_series('small.prom', 3)
        for _ in range(3):
            fams = parse(self.scrape().decode())
        self.assertEqual(fams['node_textfile_scrape_error']['samples'][('node_textfile_scrape_error', ())], 1)
        self.assertEqual(len(fams['a']['samples']), 3, 'only the small file is read')
        self.assertEqual(self.agent.output().count('more than the limit'), 1)
        self.assertLess(proc_status(self.agent.proc.pid)['VmHWM'], 100 * 1024)


class HttpDeviations(unittest.TestCase):
    """Item 8 (the NUL password is in BadCredentials)."""

    @classmethod
    def setUpClass(cls):
        cls.agent, cls.port = start_agent('--collector.disable-defaults', '--collector.loadavg')

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def exchange(self, raw):
        """Sends raw bytes, returns everything the agent sends until it closes (or 5 s)."""
        with socket.create_connection(('127.0.0.1', self.port), timeout=5) as s:
            s.sendall(raw)
            out = b''
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except socket.timeout:
                pass
            return out

    def statuses(self, out):
        return [int(line.split()[1]) for line in out.split(b'\r\n') if line.startswith(b'HTTP/1.')]

    def test_unknown_transfer_encoding_is_400_and_close(self):
        out = self.exchange(b'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
                            b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertEqual(self.statuses(out), [400])

    def test_host_header_required_once_in_http_1_1(self):
        self.assertEqual(self.statuses(self.exchange(b'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n')), [400])
        self.assertEqual(self.statuses(self.exchange(
            b'GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n')), [400])
        self.assertEqual(self.statuses(self.exchange(b'GET /metrics HTTP/1.0\r\n\r\n')), [200])

    def test_absolute_form_target_is_accepted(self):
        out = self.exchange(f'GET http://127.0.0.1:{self.port}/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                            f'Connection: close\r\n\r\n'.encode())
        self.assertEqual(self.statuses(out), [200])
        self.assertIn(b'node_load1', out)


if __name__ == '__main__':
    unittest.main()
