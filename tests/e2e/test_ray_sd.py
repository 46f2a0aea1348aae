"""Ray discovery end to end: a simulated 3-node Ray cluster (three agents on
127.0.0.1-3, one port), a Ray service discovery file written the way Ray writes
it, and a real Prometheus reading the head agent's output through file_sd.
Then the agent is SIGKILLed at random moments while Ray's file is rewritten
1000 times: our output must never be partial."""
import glob
import json
import os
import random
import re
import shutil
import signal
import tempfile
import threading
import time
import unittest
import urllib.request

from common import AGENT, Process, free_port, start_prometheus, wait_http

PROMETHEUS = shutil.which('prometheus')
RAY_FILE = 'prom_metrics_service_discovery.json'
OUR_FILE = 'node_agent_service_discovery.json'
HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
AGENT_FLAGS = ['--collector.disable-defaults', '--collector.loadavg']


def ray_list(targets):
    return json.dumps([{'labels': {'job': 'ray'}, 'targets': targets}])


class RayWriter:
    """Writes Ray's file as Ray does: a temp file renamed over it, or (newer
    Ray) the file in a session directory and the path re-created as a symlink
    to it on every write."""

    def __init__(self, ray_dir, symlink):
        self.ray_dir, self.symlink = ray_dir, symlink
        self.path = os.path.join(ray_dir, RAY_FILE)
        self.writes = 0

    def write(self, content):
        self.writes += 1
        if not self.symlink:
            tmp = self.path + '.tmp'
            with open(tmp, 'w') as f:
                f.write(content)
            os.replace(tmp, self.path)
            return
        # A new session every few writes, as after a Ray restart.
        session = os.path.join(self.ray_dir, f'session_{self.writes // 3}')
        os.makedirs(session, exist_ok=True)
        real = os.path.join(session, RAY_FILE)
        with open(real + '.tmp', 'w') as f:
            f.write(content)
        os.replace(real + '.tmp', real)
        if os.path.lexists(self.path):
            os.unlink(self.path)
        os.symlink(real, self.path)

    def remove(self):
        os.unlink(self.path)


CLUSTER = 'e2e-cluster'


def start_cluster_agents(ray_dir, head_flags=()):
    """The head agent follows Ray's file; workers have none. One port on every
    loopback address, as one port on every node."""
    for _ in range(5):
        port = free_port()
        agents = []
        try:
            for host in HOSTS:
                sd = os.path.join(ray_dir, RAY_FILE) if host == HOSTS[0] else ''
                extra = [f'--ray.cluster-name={CLUSTER}', *head_flags] if host == HOSTS[0] else []
                agents.append(Process([AGENT, f'--web.listen-address={host}:{port}',
                                       f'--ray.sd-file={sd}'] + AGENT_FLAGS + extra))
            for host, agent in zip(HOSTS, agents):
                wait_http(port, host=host, proc=agent)
            return agents, port
        except RuntimeError:  # the port was taken on another loopback address
            for agent in agents:
                agent.stop()
    raise RuntimeError('no port free on all loopback addresses')


class ClusterWithPrometheus(unittest.TestCase):
    """Three agents (the head follows Ray's file) and a real Prometheus reading
    the head's fragment through file_sd."""
    HEAD_FLAGS = ()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='e2e-raysd-')
        self.ray_dir = os.path.join(self.dir, 'ray')
        os.makedirs(self.ray_dir)
        self.agents, self.port = start_cluster_agents(self.ray_dir, self.HEAD_FLAGS)
        self.prom, self.prom_port = start_prometheus(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node-agent
    file_sd_configs:
      - files: ['{self.ray_dir}/node_agent_*.json']
        refresh_interval: 1s
""", self.dir)

    def tearDown(self):
        self.prom.stop()
        for agent in self.agents:
            agent.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def active_targets(self):
        url = f'http://127.0.0.1:{self.prom_port}/api/v1/targets?state=active'
        with urllib.request.urlopen(url, timeout=5) as r:
            return [t for t in json.load(r)['data']['activeTargets'] if t['labels'].get('job') == 'node']

    def targets(self):
        """{instance: (ray_node_type, health)} of the job our file names."""
        return {t['labels']['instance']: (t['labels'].get('ray_node_type'), t['health'])
                for t in self.active_targets()}

    def wait_targets(self, want, deadline):
        got = None
        while time.monotonic() < deadline:
            got = self.targets()
            if got == want:
                return
            time.sleep(0.25)
        self.fail(f'targets {got}, want {want}\nhead agent log:\n{self.agents[0].output()}')



@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class RayDiscoveryPrometheusTest(ClusterWithPrometheus):
    def run_cluster(self, symlink):
        deadline = time.monotonic() + 60
        ray = RayWriter(self.ray_dir, symlink)
        p = self.port
        # Ray lists each node's metrics port, and the autoscaler's and dashboard's on the head.
        nodes = ['127.0.0.1:41000', '127.0.0.1:44217', '127.0.0.1:44227', '127.0.0.2:41001', '127.0.0.3:41002']
        ray.write(ray_list(nodes))
        all_up = {f'127.0.0.1:{p}': ('head', 'up'), f'127.0.0.2:{p}': ('worker', 'up'),
                  f'127.0.0.3:{p}': ('worker', 'up')}
        self.wait_targets(all_up, deadline)
        # The labels that join node-agent's series with Ray's, as Prometheus
        # attaches them to the targets: ip as Ray's node metrics have it, and
        # the cluster name Ray's dashboards filter on.
        labels = {t['labels']['instance']: t['labels'] for t in self.active_targets()}
        for instance, (node_type, _) in all_up.items():
            self.assertEqual({k: labels[instance].get(k) for k in ('ip', 'ray_io_cluster', 'ray_node_type')},
                             {'ip': instance.rsplit(':', 1)[0], 'ray_io_cluster': CLUSTER,
                              'ray_node_type': node_type}, labels[instance])

        # A node leaves Ray.
        ray.write(ray_list(nodes[:4]))
        without_3 = {k: v for k, v in all_up.items() if not k.startswith('127.0.0.3:')}
        self.wait_targets(without_3, deadline)

        # A malformed (half-written) Ray file changes nothing.
        ours = os.path.join(self.ray_dir, OUR_FILE)
        with open(ours) as f:
            before = f.read()
        ray.write('[{"labels": {"job": "ray"}, "targets": ["127.0.0.1:41')
        time.sleep(3)  # several file_sd refreshes
        with open(ours) as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(self.targets(), without_3)

        # The node comes back; then Ray's file goes: so do our file and the targets.
        ray.write(ray_list(nodes))
        self.wait_targets(all_up, deadline)
        ray.remove()
        self.wait_targets({}, deadline)
        self.assertFalse(os.path.exists(ours))
        self.assertIn('Wrote Ray service discovery targets', self.agents[0].output())
        self.assertIn('malformed Ray service discovery file', self.agents[0].output())

    def test_rename(self):
        self.run_cluster(symlink=False)

    def test_symlink_recreation(self):
        self.run_cluster(symlink=True)


STALE_S = 2


@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class RayStoppedTest(ClusterWithPrometheus):
    """`ray stop` leaves Ray's file behind and stops rewriting it (Ray rewrites
    it every 5 s while its dashboard runs). Once it is older than
    --ray.sd-stale-after the head's fragment keeps only the head's own target:
    the workers' membership is no longer known, the head's agent still serves.
    When Ray writes again, every node is back."""
    HEAD_FLAGS = (f'--ray.sd-stale-after={STALE_S}s',)

    def test_ray_stopped_keeps_the_head_only(self):
        deadline = time.monotonic() + 60
        ray = RayWriter(self.ray_dir, symlink=False)
        p = self.port
        nodes = ['127.0.0.1:41000', '127.0.0.1:44217', '127.0.0.2:41001', '127.0.0.3:41002']
        all_up = {f'127.0.0.1:{p}': ('head', 'up'), f'127.0.0.2:{p}': ('worker', 'up'),
                  f'127.0.0.3:{p}': ('worker', 'up')}
        # Ray running: rewritten every second, the list stays whole, also
        # for longer than --ray.sd-stale-after.
        ours = os.path.join(self.ray_dir, OUR_FILE)
        while self.targets() != all_up:
            self.assertLess(time.monotonic(), deadline, self.targets())
            ray.write(ray_list(nodes))
            time.sleep(1)
        until = time.monotonic() + STALE_S * 2
        while time.monotonic() < until:
            ray.write(ray_list(nodes))
            with open(ours) as f:
                self.assertEqual(len(json.load(f)), 3, 'a file rewritten in time is never stale')
            time.sleep(1)
        # `ray stop`: no more writes; the file stays.
        stopped_at = time.monotonic()
        self.wait_targets({f'127.0.0.1:{p}': ('head', 'up')}, deadline)
        self.assertGreaterEqual(time.monotonic() - stopped_at, STALE_S - 1)
        self.assertTrue(os.path.exists(os.path.join(self.ray_dir, RAY_FILE)))
        self.assertIn('Ray stopped', self.agents[0].output())
        # Ray starts again, and rewrites its file as long as it runs.
        while self.targets() != all_up:
            self.assertLess(time.monotonic(), deadline, self.targets())
            ray.write(ray_list(nodes))
            time.sleep(0.5)


TARGET_RE = re.compile(r'^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):9100$')


def check_output(path):
    """Problems with our file: absent is fine, anything but a whole file_sd list is not."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    try:
        groups = json.loads(text)
    except ValueError as e:
        return f'not JSON ({e}): {text!r}'
    if not isinstance(groups, list):
        return f'not a list: {text!r}'
    for g in groups:
        if (not isinstance(g, dict) or set(g) != {'labels', 'targets'}
                or g['labels'].get('job') != 'node' or set(g['labels']) != {'job', 'ip', 'ray_node_type'}
                or g['labels']['ip'] != g['targets'][0].rsplit(':', 1)[0].strip('[]')
                or g['labels']['ray_node_type'] not in ('head', 'worker')
                or len(g['targets']) != 1 or not TARGET_RE.match(g['targets'][0])):
            return f'bad group {g!r} in {text!r}'
    return None


class RayDiscoverySigkillTest(unittest.TestCase):
    def test_sigkill_during_rewrites_never_leaves_partial_output(self):
        work = tempfile.mkdtemp(prefix='e2e-raysd-kill-')
        try:
            self.run_kills(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def run_kills(self, work):
        rng = random.Random(4)  # kill timing
        wrng = random.Random(5)  # node sets (the writer thread)
        ray = RayWriter(work, symlink=False)
        universe = [f'10.0.{i // 8}.{i % 8 + 1}' for i in range(24)] + ['fd00::1', 'fd00::2']
        stop = threading.Event()
        last = {}

        def rewrite():
            for _ in range(1000):
                nodes = wrng.sample(universe, wrng.randint(1, len(universe)))
                targets = [f'[{h}]:{41000 + i}' if ':' in h else f'{h}:{41000 + i}' for i, h in enumerate(nodes)]
                content = ray_list(targets)
                ray.write(content)
                last['nodes'] = nodes
                if stop.wait(0.012):
                    return

        writer = threading.Thread(target=rewrite)
        writer.start()
        ours = os.path.join(work, OUR_FILE)
        argv = [AGENT, '--web.listen-address=127.0.0.1:0', f'--ray.sd-file={ray.path}',
                '--ray.sd-port=9100'] + AGENT_FLAGS
        kills = 0
        deadline = time.monotonic() + 50
        try:
            while writer.is_alive() and time.monotonic() < deadline:
                agent = Process(argv)
                until = time.monotonic() + rng.uniform(0, 0.15)
                while time.monotonic() < until:  # a reader meanwhile sees whole files only
                    problem = check_output(ours)
                    self.assertIsNone(problem)
                    time.sleep(0.01)
                agent.proc.send_signal(signal.SIGKILL)
                agent.proc.wait()
                agent.stop()
                kills += 1
                problem = check_output(ours)
                self.assertIsNone(problem, f'after kill {kills}')
                # What a *.json glob picks up in that directory is whole too.
                for path in glob.glob(os.path.join(work, '*.json')):
                    if os.path.basename(path) == OUR_FILE:
                        continue
                    with open(path) as f:
                        json.load(f)
        finally:
            stop.set()
            writer.join()
        self.assertEqual(ray.writes, 1000, 'the rewrites did not finish in time')
        self.assertGreater(kills, 20)

        # A clean run catches up with Ray's last list and leaves no temp file.
        agent = Process(argv)
        try:
            want = sorted(f'[{h}]:9100' if ':' in h else f'{h}:9100' for h in last['nodes'])
            end = time.monotonic() + 10
            got = None
            while time.monotonic() < end:
                try:
                    with open(ours) as f:
                        got = sorted(g['targets'][0] for g in json.load(f))
                except (OSError, ValueError):
                    got = None
                if got == want:
                    break
                time.sleep(0.05)
            self.assertEqual(got, want)
        finally:
            agent.stop()
        self.assertEqual([n for n in os.listdir(work) if n.startswith('.')], [])
        print(f'\n{kills} SIGKILLs during {ray.writes} rewrites of Ray\'s file')


if __name__ == '__main__':
    unittest.main()
