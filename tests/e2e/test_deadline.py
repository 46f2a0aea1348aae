"""Scrape deadlines through the real binary: Prometheus' X-Prometheus-Scrape-Timeout-Seconds
header on a fixture tree whose hwmon temp1_input is a FIFO."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from common import AGENT, ROOT, collector_flags, fd_count, get, parse, proc_status, start_agent

FIXTURES = os.path.join(ROOT, 'tests', 'fixtures')
CHIP = 'sys/devices/platform/coretemp.0/hwmon/hwmon0'
HEADER = 'X-Prometheus-Scrape-Timeout-Seconds'


def counts(pid):
    """(threads, open fds) of a process."""
    return proc_status(pid)['Threads'], fd_count(pid)


def settled_counts(pid, timeout=5):
    """counts() once the server has closed the sockets of finished requests
    (a client's close reaches it a moment after the response): two equal
    samples 100 ms apart."""
    last, end = counts(pid), time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.1)
        now = counts(pid)
        if now == last:
            return now
        last = now
    return last


class DeadlineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = tempfile.mkdtemp(prefix='e2e-deadline-')
        shutil.copytree(os.path.join(FIXTURES, 'hwmon'), cls.tree, symlinks=True, dirs_exist_ok=True)
        shutil.copytree(os.path.join(FIXTURES, 'loadavg', 'ec2'), cls.tree, dirs_exist_ok=True)
        fifo = os.path.join(cls.tree, CHIP, 'temp1_input')
        os.unlink(fifo)
        os.mkfifo(fifo)
        cls.agent, cls.port = start_agent(
            *collector_flags(['hwmon', 'loadavg'], f'--path.sysfs={cls.tree}/sys',
                             f'--path.procfs={cls.tree}/proc', '--scrape.timeout=3s'))

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()
        shutil.rmtree(cls.tree, ignore_errors=True)

    def scrape(self, timeout_header=None):
        headers = {HEADER: timeout_header} if timeout_header is not None else {}
        start = time.monotonic()
        resp, body = get(self.port, headers=headers)
        self.assertEqual(resp.status, 200)
        return parse(body.decode()), time.monotonic() - start

    def success(self, fams, collector):
        return fams['node_scrape_collector_success']['samples'][
            ('node_scrape_collector_success', (('collector', collector),))]

    def test_fifo_attribute_answered_within_the_header_timeout(self):
        fams, took = self.scrape('2')
        self.assertLess(took, 2.0)
        self.assertEqual(self.success(fams, 'hwmon'), 1)
        self.assertEqual(self.success(fams, 'loadavg'), 1)
        self.assertIn('node_load1', fams)
        temps = {dict(labels).get('sensor') for (name, labels) in fams['node_hwmon_temp_celsius']['samples']
                 if dict(labels).get('chip') == 'platform_coretemp_0'}
        self.assertIn('temp2', temps)
        self.assertNotIn('temp1', temps)  # the FIFO: left out, not waited for

    def test_malformed_header_falls_back_to_the_default(self):
        for value in ('abc', '-1', '0', ''):
            fams, _ = self.scrape(value)
            self.assertEqual(self.success(fams, 'loadavg'), 1, value)

    def test_threads_and_fds_stay_flat(self):
        self.scrape('1')
        before = settled_counts(self.agent.proc.pid)
        for _ in range(100):
            self.scrape('1')
        self.assertEqual(settled_counts(self.agent.proc.pid), before)

    def test_bad_timeout_flag_exits_naming_it(self):
        for flag in ('--scrape.timeout=ten', '--scrape.timeout=0s', '--scrape.timeout-margin=-1s'):
            r = subprocess.run([AGENT, flag, '--web.listen-address=127.0.0.1:0'], capture_output=True, text=True,
                               timeout=10)
            self.assertNotEqual(r.returncode, 0, flag)
            self.assertIn(flag.split('=')[0], r.stderr, flag)


if __name__ == '__main__':
    unittest.main()
