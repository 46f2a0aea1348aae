"""node-agent's systemd and logind collectors beside the reference
prometheus-node-exporter (Debian's), both reading the same D-Bus services:

- FakeBusComparisonTest (runs anywhere dbus-daemon and python3-dbus are): a
  private dbus-daemon serving tests/support/fake_systemd_logind.py, both
  exporters pointed at it with DBUS_SYSTEM_BUS_ADDRESS; the same series and
  values, exactly (nothing moves there).
- LiveSystemdTest: on a machine where systemd is PID 1, the real system bus;
  the same series, values bracketed (units may change between scrapes).
  Skipped, with the reason, where PID 1 is not systemd (containers).

Both pass 1.12's default unit exclude explicitly: Debian's 1.5 also excludes
.target units."""
import os
import shutil
import subprocess
import tempfile
import unittest

from common import (NODE_EXPORTER, ROOT, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

FLAGS = ['--collector.systemd.enable-task-metrics', '--collector.systemd.enable-restarts-metrics',
         '--collector.systemd.enable-start-time-metrics',
         r'--collector.systemd.unit-exclude=.+\.(automount|device|mount|scope|slice)']
# Added to node_exporter after Debian's 1.5.
SINCE_1_5 = {'node_systemd_virtualization_info'}
BUS = os.environ.get('DBUS_SYSTEM_BUS_ADDRESS', 'unix:path=/var/run/dbus/system_bus_socket')
SYSTEM_PYTHON = '/usr/bin/python3'
DBUS_DAEMON = shutil.which('dbus-daemon')


def success(scrape, collector):
    return scrape['node_scrape_collector_success']['samples'].get(
        ('node_scrape_collector_success', (('collector', collector),)))


def why_no_live():
    if not NODE_EXPORTER:
        return 'prometheus-node-exporter is not installed'
    try:
        with open('/proc/1/comm') as f:
            init = f.read().strip()
    except OSError as e:
        return f'cannot read /proc/1/comm: {e}'
    if init != 'systemd':
        return f'PID 1 is {init!r}, not systemd (a container?): no systemd to compare against'
    if BUS.startswith('unix:path=') and not os.path.exists(BUS[len('unix:path='):].split(',')[0]):
        return f'no system bus socket at {BUS}'
    return ''


def why_no_fake():
    if not NODE_EXPORTER:
        return 'prometheus-node-exporter is not installed'
    if not DBUS_DAEMON:
        return 'dbus-daemon is not installed'
    if subprocess.run([SYSTEM_PYTHON, '-c', 'import dbus, gi'], capture_output=True).returncode != 0:
        return 'python3-dbus / python3-gi are not installed'
    return ''


class CompareMixin:
    def compare(self, live):
        a1, n, a2 = scrape_side_by_side(collector_flags(['systemd', 'logind'], *FLAGS))
        for c in ('systemd', 'logind'):
            self.assertEqual(success(a1, c), 1.0, c)
            self.assertEqual(success(n, c), 1.0, f'node_exporter {c}')
        shared = shared_families(a1, n)
        self.assertIn('node_systemd_unit_state', shared)
        self.assertIn('node_logind_sessions', shared)
        problems = compare_families(a1, n, a2, default_slack=1e-6 if live else 0)
        problems += presence_problems(a1, n, compared=r'node_(systemd|logind)_', agent_only_ok=SINCE_1_5)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


@unittest.skipIf(why_no_fake(), why_no_fake())
class FakeBusComparisonTest(CompareMixin, unittest.TestCase):
    def setUp(self):
        self.saved = os.environ.get('DBUS_SYSTEM_BUS_ADDRESS')
        self.dir = tempfile.mkdtemp(prefix='e2e-dbus-')
        conf = os.path.join(self.dir, 'bus.conf')
        address = f'unix:path={self.dir}/bus'
        with open(conf, 'w') as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    f'<busconfig><type>e2e</type><listen>{address}</listen><auth>EXTERNAL</auth>'
                    # dbus-daemon's session.conf policy: anything goes on this private bus.
                    '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
                    '<allow eavesdrop="true"/><allow own="*"/></policy>'
                    '</busconfig>\n')
        self.procs = []
        self.addCleanup(self.cleanup)  # also when setUp fails half-way
        self.start([DBUS_DAEMON, f'--config-file={conf}', '--nofork', '--print-address=1'], 'unix:')
        self.start([SYSTEM_PYTHON, os.path.join(ROOT, 'tests/support/fake_systemd_logind.py'), address], 'ready')
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = address

    def start(self, argv, ready):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        line = p.stdout.readline()  # the process prints it once it serves
        self.assertTrue(line.startswith(ready), f'{argv[0]} did not start: {line!r}')

    def cleanup(self):
        if self.saved is None:
            os.environ.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
        else:
            os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.saved
        for p in reversed(self.procs):
            p.kill()
            p.wait()
            p.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_same_series_as_node_exporter(self):
        self.compare(live=False)


@unittest.skipIf(why_no_live(), why_no_live())
class LiveSystemdTest(CompareMixin, unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        self.compare(live=True)


if __name__ == '__main__':
    unittest.main()
