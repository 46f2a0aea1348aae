"""A network mount whose server stops answering must not hang the scrape.

hung_mount_server.py mounts an NFS-like FUSE file system that it serves itself
over /dev/fuse, first answering, then silent (an NFS or EFS server that is
gone), in private PID and mount namespaces where it also starts the agent, so
nothing else on the machine sees the mount. With the mountstats and
filesystem collectors enabled, every scrape must still answer within its
deadline: mountstats only reads /proc/self/mountstats and mountinfo (kernel
counters, never the server), and filesystem gives up on the blocked statfs
after --collector.filesystem.mount-timeout and reports the mount's
device_error. Skips, saying why, where that cannot run: not root, no
/dev/fuse, no unshare(1), or namespaces or FUSE mounts refused here."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from common import AGENT, collector_flags, get, parse

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = 'X-Prometheus-Scrape-Timeout-Seconds'
BLOCKS, FRSIZE = 1 << 20, 4096  # what the server's STATFS answers


def unavailable():
    if os.geteuid() != 0:
        return 'not root: FUSE mounts and namespaces need CAP_SYS_ADMIN'
    if not os.path.exists('/dev/fuse'):
        return 'no /dev/fuse in this container'
    if not shutil.which('unshare'):
        return 'no unshare(1) (util-linux)'
    return None


class HungMountTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.dir = tempfile.mkdtemp(prefix='e2e-hung-mount-')
        cls.mountpoint = os.path.join(cls.dir, 'nfs')
        os.mkdir(cls.mountpoint)
        flags = collector_flags(['mountstats', 'filesystem', 'loadavg'], '--collector.filesystem.mount-timeout=500ms')
        env = dict(os.environ, NODE_AGENT_BINARY=AGENT)
        cls.server = subprocess.Popen(
            ['unshare', '--mount', '--pid', '--fork', '--mount-proc', sys.executable,
             os.path.join(HERE, 'hung_mount_server.py'), cls.mountpoint] + flags,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE, env=env)
        line = cls.server.stdout.readline().split()
        if line[:1] != ['ready']:
            err = cls.server.stderr.read() if cls.server.wait(timeout=30) is not None else ''
            cls.cleanup()
            raise unittest.SkipTest(f'FUSE mount or namespaces refused here: {" ".join(line)} {err.strip()[-300:]}')
        cls.port = int(line[1])

    @classmethod
    def cleanup(cls):
        if cls.server.poll() is None:
            try:
                cls.server.communicate('quit\n', timeout=30)
            except subprocess.TimeoutExpired:
                cls.server.kill()
                cls.server.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.cleanup()

    def scrape(self, timeout='2'):
        start = time.monotonic()
        resp, body = get(self.port, headers={HEADER: timeout})
        took = time.monotonic() - start
        self.assertEqual(resp.status, 200)
        return parse(body.decode()), took

    def success(self, fams, collector):
        return fams['node_scrape_collector_success']['samples'][
            ('node_scrape_collector_success', (('collector', collector),))]

    def mount_samples(self, fams, family):
        return [v for (name, labels), v in fams.get(family, {'samples': {}})['samples'].items()
                if dict(labels).get('mountpoint') == self.mountpoint]

    def test_scrapes_answer_on_time_after_the_server_stops(self):
        fams, _ = self.scrape()
        self.assertEqual(self.success(fams, 'mountstats'), 1)
        self.assertEqual(self.mount_samples(fams, 'node_filesystem_size_bytes'), [BLOCKS * FRSIZE],
                         'the answering mount is statted')

        self.server.stdin.write('stop\n')
        self.server.stdin.flush()
        self.assertEqual(self.server.stdout.readline().strip(), 'stopped')
        for i in range(4):
            fams, took = self.scrape()
            # The deadline is the header's 2 s less the 0.5 s margin.
            self.assertLess(took, 2.0, f'scrape {i} took {took:.2f}s')
            self.assertEqual(self.success(fams, 'mountstats'), 1)
            self.assertEqual(self.success(fams, 'loadavg'), 1)
            self.assertIn('node_load1', fams)
            self.assertEqual(self.mount_samples(fams, 'node_filesystem_device_error'), [1],
                             f'scrape {i}: the silent mount is reported')
            self.assertEqual(self.mount_samples(fams, 'node_filesystem_size_bytes'), [])


if __name__ == '__main__':
    unittest.main()
