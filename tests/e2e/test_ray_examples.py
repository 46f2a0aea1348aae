"""The Ray examples in packaging/: promtool accepts every Prometheus config; the
cluster.yaml fragments, docker-compose.yml and Grafana provisioning parse and
point at files that exist; the hashmod shard configs split targets among
shards, as real Prometheus servers apply them; and every query of the Grafana
dashboard, evaluated by a real Prometheus that runs the example prometheus.yml
(its file_sd paths moved to a temp dir) and discovers simulated Ray nodes from a
static file_sd file, is valid and returns data.

The simulated nodes: an agent on this host (ray_node_type="head") and agents on
fixture trees with hwmon temperatures, thermal zones and throttle counters
(ray_node_type="worker"): node_exporter's fixture tree when ../shared sits
beside the checkout, else the project's own tests/fixtures (set
NODE_AGENT_RAY_FIXTURES=own to force those)."""
import glob
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from common import AGENT, ROOT, SHARED, Process, free_port, start_agent, start_prometheus, wait_http

try:
    import yaml
except ImportError:  # Debian: python3-yaml
    yaml = None

PROMTOOL = shutil.which('promtool')
PROMETHEUS = shutil.which('prometheus')
EXAMPLES = os.path.join(ROOT, 'packaging', 'examples')
GRAFANA = os.path.join(ROOT, 'packaging', 'grafana')
DASHBOARD = os.path.join(GRAFANA, 'ray-nodes.json')
SHARD_CONFIGS = sorted(glob.glob(os.path.join(EXAMPLES, 'thanos-shards', '*.yml')))
OFF_HEAD_CONFIGS = [os.path.join(EXAMPLES, f) for f in ('prometheus-http-sd.yml', 'prometheus-ec2-sd.yml')]
PROMETHEUS_CONFIGS = [os.path.join(EXAMPLES, 'prometheus.yml')] + OFF_HEAD_CONFIGS + SHARD_CONFIGS
INSTALL_SH = os.path.join(ROOT, 'packaging', 'install.sh')
TMPFILES = os.path.join(ROOT, 'packaging', 'systemd', 'node-agent.tmpfiles')
NE_FIXTURES = os.path.join(SHARED, 'conformance', 'node_exporter', 'fixtures')
OWN_FIXTURES = os.path.join(ROOT, 'tests', 'fixtures')

# What the test substitutes for Grafana's variables: "All" (allValue .*) for the
# dashboard's multi-value variables, and a window holding ~10 samples at the
# test's 1 s scrape interval for $__rate_interval.
RATE_INTERVAL = '10s'
WAIT_S = 60

ENA = ('EC2 ENA driver statistics, read with the SIOCETHTOOL ioctl from a live ENA interface: '
       'only an EC2 host with an ENA NIC has them, a fixture tree cannot provide them')
# Metrics that neither this host nor a fixture-tree agent can have: queries made
# only of these are checked for validity, not for data.
VALIDITY_ONLY = {
    'node_ethtool_bw_in_allowance_exceeded': ENA,
    'node_ethtool_bw_out_allowance_exceeded': ENA,
    'node_ethtool_pps_allowance_exceeded': ENA,
    'node_ethtool_conntrack_allowance_exceeded': ENA,
    'node_ethtool_linklocal_allowance_exceeded': ENA,
    'node_ethtool_conntrack_allowance_available': ENA,
}
GPU = ('NVIDIA GPU metrics (nvidia collector): only a host with an NVIDIA driver and GPU has them; '
       'tests/unit/collectors/nvidia_test.cc and tests/e2e/test_nvidia.py check them against a fake NVML')
VALIDITY_ONLY.update({name: GPU for name in (
    'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_GPU_UTIL',
    'DCGM_FI_DEV_MEM_COPY_UTIL', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS',
    'DCGM_FI_DEV_XID_ERRORS')})
# Metrics every Linux host with a network interface has: their queries must
# return data for the live host ("head") on its own, not only for a fixture.
LIVE = {'up', 'node_cpu_seconds_total', 'node_network_up', 'node_network_receive_bytes_total',
        'node_network_transmit_bytes_total', 'node_network_receive_errs_total',
        'node_network_transmit_errs_total', 'node_network_receive_drop_total',
        'node_network_transmit_drop_total', 'node_network_carrier_changes_total'}
# Metrics this host may lack (temperatures, throttling, ...) and that the
# fixture-tree agents do have: their queries must return data for the
# "worker" nodes on their own.
FIXTURE = {'node_hwmon_temp_celsius', 'node_thermal_zone_temp', 'node_cpu_core_throttles_total',
           'node_cpu_package_throttles_total', 'node_disk_read_bytes_total', 'node_disk_written_bytes_total',
           'node_disk_reads_completed_total', 'node_disk_writes_completed_total',
           'node_disk_read_time_seconds_total', 'node_disk_write_time_seconds_total',
           'node_disk_io_time_seconds_total', 'node_disk_io_time_weighted_seconds_total',
           'node_network_carrier', 'node_network_speed_bytes'}

METRIC_RE = re.compile(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{')
VAR_RE = re.compile(r'\$\{?(\w+)\}?')


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def all_panels(dash):
    for p in dash['panels']:
        yield p
        yield from p.get('panels', [])


def dashboard_queries(dash):
    """(panel title, refId, expr) of every query target."""
    return [(p['title'], t['refId'], t['expr']) for p in all_panels(dash) for t in p.get('targets', [])]


def metrics_of(expr):
    return set(METRIC_RE.findall(expr)) - {'by', 'without', 'on', 'ignoring', 'group_left', 'group_right'}


def render(expr, instance='.*', ray_node_type='.*', instance_type='.*'):
    values = {'__rate_interval': RATE_INTERVAL, 'instance': instance, 'ray_node_type': ray_node_type,
              'instance_type': instance_type}
    out = VAR_RE.sub(lambda m: values[m.group(1)], expr)
    assert '$' not in out, out
    return out


def fixture_agents():
    """[(name, flags)] of the fixture-tree agents."""
    if os.path.isdir(NE_FIXTURES) and os.environ.get('NODE_AGENT_RAY_FIXTURES') != 'own':
        fx = NE_FIXTURES  # flags as in ../shared/conformance/run.sh
        return [('node_exporter', [
            f'--path.rootfs={fx}', f'--path.procfs={fx}/proc', f'--path.sysfs={fx}/sys',
            f'--path.udev.data={fx}/udev/data', '--collector.disable-defaults',
            '--collector.cpu', '--collector.hwmon', '--collector.thermal_zone', '--collector.diskstats',
            '--collector.netclass', '--collector.netclass.ignore-invalid-speed',
            '--collector.dmi'])]  # a node with an instance type (product_name)
    fx = OWN_FIXTURES
    return [
        ('cpu', [f'--path.procfs={fx}/cpu/proc', f'--path.sysfs={fx}/cpu/sys',
                 '--collector.disable-defaults', '--collector.cpu']),
        ('hwmon', [f'--path.sysfs={fx}/hwmon/sys', '--collector.disable-defaults',
                   '--collector.hwmon', '--no-collector.hwmon.libsensors', '--collector.thermal_zone']),
        ('disk', [f'--path.procfs={fx}/disk/proc', f'--path.sysfs={fx}/disk/sys',
                  f'--path.udev.data={fx}/disk/udev/data', '--collector.disable-defaults',
                  '--collector.diskstats']),
        ('net', [f'--path.procfs={fx}/net/ec2/proc', f'--path.sysfs={fx}/net/ec2/sys',
                 '--collector.disable-defaults', '--collector.netclass', '--collector.netdev']),
    ]


def prom_regex(values):
    """Grafana's regex format of a multi-value variable, as a PromQL string:
    values escaped, alternated, backslashes doubled for the double-quoted string."""
    return '|'.join(re.escape(v) for v in values).replace('\\', '\\\\')


def write_atomically(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, path)


def api(port, path, **params):
    url = f'http://127.0.0.1:{port}/api/v1/{path}?' + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 400 for a bad query, with a JSON body
        return json.load(e)


def config_for_test(example_text, dir_):
    """The example config with its /tmp/ray file_sd paths moved to dir_ and a 1 s
    scrape interval."""
    assert example_text.count('/tmp/ray/') >= 1
    assert '  scrape_interval: 15s\n' in example_text
    return (example_text.replace('/tmp/ray/', dir_ + '/')
            .replace('  scrape_interval: 15s\n', '  scrape_interval: 1s\n  scrape_timeout: 1s\n'))


class PromtoolTest(unittest.TestCase):
    @unittest.skipUnless(PROMTOOL, 'promtool is not installed')
    def test_every_prometheus_config_passes_promtool(self):
        self.assertGreaterEqual(len(SHARD_CONFIGS), 2)
        for path in PROMETHEUS_CONFIGS:
            with self.subTest(config=os.path.relpath(path, ROOT)):
                r = subprocess.run([PROMTOOL, 'check', 'config', path], capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn('SUCCESS', r.stdout + r.stderr)


@unittest.skipUnless(yaml, 'python3-yaml is not installed')
class ExampleFilesTest(unittest.TestCase):
    def test_prometheus_yml_has_both_file_sd_jobs(self):
        config = load_yaml(os.path.join(EXAMPLES, 'prometheus.yml'))
        files = {j['job_name']: [f for sd in j['file_sd_configs'] for f in sd['files']]
                 for j in config['scrape_configs']}
        self.assertEqual(files, {'ray': ['/tmp/ray/prom_metrics_service_discovery.json'],
                                 'node': ['/tmp/ray/node_agent_service_discovery.json']})

    def test_shard_configs_partition_by_hashmod(self):
        main = load_yaml(os.path.join(EXAMPLES, 'prometheus.yml'))
        main_files = {j['job_name']: j['file_sd_configs'] for j in main['scrape_configs']}
        n = len(SHARD_CONFIGS)
        kept, shard_labels = set(), set()
        for path in SHARD_CONFIGS:
            config = load_yaml(path)
            labels = config['global']['external_labels']
            shard_labels.add(tuple(sorted(labels.items())))
            jobs = {j['job_name']: j for j in config['scrape_configs']}
            self.assertEqual(set(jobs), set(main_files), path)
            shard_of_job = set()
            for name, job in jobs.items():
                self.assertEqual(job['file_sd_configs'], main_files[name], f'{path} {name}: same files')
                hashmod, keep = job['relabel_configs']
                self.assertEqual((hashmod['action'], hashmod['source_labels'], hashmod['modulus']),
                                 ('hashmod', ['__address__'], n), f'{path} {name}')
                self.assertEqual((keep['action'], keep['source_labels']),
                                 ('keep', [hashmod['target_label']]), f'{path} {name}')
                shard_of_job.add(keep['regex'])
            self.assertEqual(len(shard_of_job), 1, f'{path}: all jobs keep the same shard')
            shard = shard_of_job.pop()
            self.assertEqual(str(labels['shard']), shard, f'{path}: external label shard')
            kept.add(shard)
        self.assertEqual(kept, {str(i) for i in range(n)}, 'every shard 0..N-1 exactly once')
        self.assertEqual(len(shard_labels), n, 'external_labels unique per shard')

    def test_docker_compose_and_grafana_provisioning(self):
        compose = load_yaml(os.path.join(EXAMPLES, 'docker-compose.yml'))
        prom, graf = compose['services']['prometheus'], compose['services']['grafana']

        def mounts(service):
            out = {}
            for v in service['volumes']:
                parts = v.split(':')
                src, dst = parts[0], parts[1]
                if src.startswith('.'):
                    self.assertTrue(os.path.exists(os.path.join(EXAMPLES, src)), f'{v}: source exists')
                out[dst] = (src, parts[2:])
            return out

        pm, gm = mounts(prom), mounts(graf)
        self.assertEqual(pm['/tmp/ray'], ('/tmp/ray', ['ro']), 'Ray dir read-only at the same path')
        self.assertEqual(pm['/etc/prometheus/prometheus.yml'][0], './prometheus.yml')
        self.assertIn('--config.file=/etc/prometheus/prometheus.yml', prom['command'])
        self.assertEqual(prom['network_mode'], 'host')
        self.assertEqual(gm['/etc/grafana/provisioning'][0], '../grafana/provisioning')

        prov = os.path.join(GRAFANA, 'provisioning')
        datasources = load_yaml(os.path.join(prov, 'datasources', 'prometheus.yml'))['datasources']
        providers = {p['name']: p for f in glob.glob(os.path.join(prov, 'dashboards', '*.yml'))
                     for p in load_yaml(f)['providers']}
        self.assertEqual(set(providers), {'node-agent', 'ray'})
        # The provider's directory is where compose mounts the dashboard.
        dash_dst = [dst for dst, (src, _) in gm.items() if src == '../grafana/ray-nodes.json']
        self.assertEqual(len(dash_dst), 1)
        self.assertEqual(os.path.dirname(dash_dst[0]), providers['node-agent']['options']['path'])
        # Ray's own dashboards, which Ray's Metrics tab embeds: where Ray writes
        # them in the latest session, inside the /tmp/ray that compose mounts.
        self.assertEqual(gm['/tmp/ray'], ('/tmp/ray', ['ro']))
        self.assertEqual(providers['ray']['options']['path'], '/tmp/ray/session_latest/metrics/grafana/dashboards')
        # The dashboard's datasource variable defaults to the provisioned Prometheus.
        ds_var = next(v for v in dashboard()['templating']['list'] if v['type'] == 'datasource')
        prometheus_ds = [d for d in datasources if d['type'] == 'prometheus']
        self.assertEqual(len(prometheus_ds), 1)
        self.assertEqual(ds_var['current']['value'], prometheus_ds[0]['uid'])
        self.assertEqual(prometheus_ds[0]['url'], 'http://localhost:9090')

    def test_cluster_yaml_fragments(self):
        for name, commands_key in (('cluster-host.yaml', 'setup_commands'),
                                   ('cluster-docker.yaml', 'initialization_commands')):
            with self.subTest(example=name):
                c = load_yaml(os.path.join(EXAMPLES, name))
                mounts = c['file_mounts']
                # In docker mode Ray keeps file_mounts on the host under
                # /tmp/ray_tmp_mount/<cluster_name>/ whatever the remote path;
                # on hosts the remote path must survive a head stop/start.
                base = '/tmp/node-agent' if 'docker' in c else '~/node-agent'
                self.assertEqual(mounts[f'{base}/install.sh'], 'packaging/install.sh')
                self.assertEqual({os.path.basename(p) for p in mounts},
                                 {'install.sh', 'node-agent.rpm', 'node-agent.deb'})
                self.assertEqual({os.path.dirname(p) for p in mounts}, {base})
                for local in mounts.values():
                    self.assertTrue(local.startswith(('dist/', 'packaging/')), local)
                install = [cmd for cmd in c[commands_key] if 'install.sh' in cmd]
                self.assertEqual(len(install), 1, 'one install line')
                prefix = f'/tmp/ray_tmp_mount/{c["cluster_name"]}' if 'docker' in c else ''
                self.assertRegex(install[0], rf'^sudo bash {re.escape(prefix + base)}/install\.sh '
                                 rf'--args "--ray\.cluster-name={re.escape(c["cluster_name"])}" '
                                 rf'{re.escape(prefix + base)}$')
                # A node type's own command list replaces the global one: each
                # that has one repeats the line.
                for type_name, node_type in c.get('available_node_types', {}).items():
                    for key in ('worker_setup_commands', 'initialization_commands'):
                        if key in node_type:
                            self.assertIn(install[0], node_type[key], f'{type_name}.{key}')
                if 'docker' in c:
                    self.assertNotIn('setup_commands', c, 'the agent is not installed in the container')
                    self.assertIn('-v /tmp/ray:/tmp/ray', c['docker']['head_run_options'])
                    self.assertNotIn('-v /tmp/ray:/tmp/ray', c['docker'].get('run_options', []),
                                     'every node\'s Ray temp dir in the host\'s /tmp (RAM on AL2023)')
                    init = ' '.join(c['initialization_commands'])
                    self.assertIn('dnf install -y docker', init)
                    self.assertIn('systemctl enable --now docker', init)
                    self.assertLess(init.index('docker'), init.index('install.sh'))
                else:
                    self.assertTrue(any('worker_setup_commands' in t
                                        for t in c['available_node_types'].values()), 'a per-type example')

    def test_dashboard_structure(self):
        dash = dashboard()
        self.assertGreaterEqual(dash['schemaVersion'], 36)
        self.assertLessEqual(len(dash['uid']), 40)
        names = [v['name'] for v in dash['templating']['list']]
        self.assertEqual(names, ['datasource', 'ray_node_type', 'instance_type', 'instance'])
        ids = [p['id'] for p in all_panels(dash)]
        self.assertEqual(len(ids), len(set(ids)), 'unique panel ids')
        cells = set()
        for p in all_panels(dash):
            g = p['gridPos']
            self.assertLessEqual(g['x'] + g['w'], 24, p['title'])
            for x in range(g['x'], g['x'] + g['w']):
                for y in range(g['y'], g['y'] + g['h']):
                    self.assertNotIn((x, y), cells, f'{p["title"]} overlaps another panel')
                    cells.add((x, y))
            if p['type'] == 'row':
                continue
            self.assertEqual(p['datasource'], {'type': 'prometheus', 'uid': '${datasource}'}, p['title'])
            refids = [t['refId'] for t in p['targets']]
            self.assertEqual(len(refids), len(set(refids)), p['title'])
            for t in p['targets']:
                self.assertEqual(t['datasource']['uid'], '${datasource}', p['title'])
                # Every query is per node: filtered by the job and both variables.
                for m in metrics_of(t['expr']):
                    for sel in re.findall(re.escape(m) + r'\{([^}]*)\}', t['expr']):
                        for want in ('job="node"', 'instance=~"$instance"', 'ray_node_type=~"$ray_node_type"'):
                            self.assertIn(want, sel, f'{p["title"]}: {t["expr"]}')
        used = set().union(*(metrics_of(e) for _, _, e in dashboard_queries(dash)))
        self.assertEqual(set(VALIDITY_ONLY) - used, set(), 'VALIDITY_ONLY lists only metrics the dashboard uses')


@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class DashboardQueriesTest(unittest.TestCase):
    """A real Prometheus on the example prometheus.yml, scraping simulated Ray
    nodes found through file_sd, evaluates every dashboard query."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='e2e-rayex-')
        cls.agents = []
        cls.prom = None
        try:
            live, live_port = start_agent()
            cls.agents.append(live)
            cls.head = f'127.0.0.1:{live_port}'
            cls.workers = {}
            for name, flags in fixture_agents():
                agent, port = start_agent(*flags)
                cls.agents.append(agent)
                cls.workers[f'127.0.0.1:{port}'] = name
            groups = [{'targets': [cls.head], 'labels': {'job': 'node', 'ray_node_type': 'head'}}]
            groups += [{'targets': [t], 'labels': {'job': 'node', 'ray_node_type': 'worker'}} for t in cls.workers]
            write_atomically(os.path.join(cls.dir, 'node_agent_service_discovery.json'), json.dumps(groups))
            write_atomically(os.path.join(cls.dir, 'prom_metrics_service_discovery.json'),
                             json.dumps([{'labels': {'job': 'ray'}, 'targets': []}]))
            with open(os.path.join(EXAMPLES, 'prometheus.yml')) as f:
                config = config_for_test(f.read(), cls.dir)
            cls.prom, cls.port = start_prometheus(config, cls.dir)
            deadline = time.monotonic() + WAIT_S
            cls.targets = [cls.head] + list(cls.workers)
            while True:
                up = api(cls.port, 'query', query='up{job="node"} == 1')['data']['result']
                if {r['metric']['instance'] for r in up} == set(cls.targets):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f'not all of {cls.targets} up within {WAIT_S}s: {up}\n'
                                         + json.dumps(api(cls.port, 'targets'), indent=1)[:4000])
                time.sleep(0.5)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.prom:
            cls.prom.stop()
        for a in cls.agents:
            a.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def query(self, expr):
        r = api(self.port, 'query', query=expr)
        self.assertEqual(r.get('status'), 'success', f'{expr}: {r.get("error")}')
        return r['data']['result']

    def poll(self, checks):
        """checks: {key: (expr, predicate on the result)}. Polls until every
        predicate holds, for at most WAIT_S; returns {key: (expr, last result)}
        of those that never held."""
        pending, last = dict(checks), {}
        deadline = time.monotonic() + WAIT_S
        while pending:
            for key, (expr, ok) in list(pending.items()):
                result = self.query(expr)
                if ok(result):
                    del pending[key]
                else:
                    last[key] = result
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        return {key: (pending[key][0], last.get(key)) for key in pending}

    def test_template_variables(self):
        variables = {v['name']: v for v in dashboard()['templating']['list']}
        for name, expected in (('ray_node_type', {'head', 'worker'}), ('instance', set(self.targets))):
            self.assertEqual(variables[name]['query']['query'], variables[name]['definition'])
            m = re.fullmatch(r'label_values\((.*),\s*(\w+)\)', variables[name]['definition'])
            if not m:  # query_result(EXPR) with a regex capturing the label's value
                m = re.fullmatch(r'query_result\((.*)\)', variables[name]['definition'])
                label = re.fullmatch(r'/(\w+)="\(\[\^"\]\+\)"/', variables[name]['regex'])
                self.assertTrue(m and label, variables[name]['definition'])
                m = (m.group(1), label.group(1))
            else:
                m = (m.group(1), m.group(2))
            result = self.query(render(m[0]))
            self.assertEqual({r['metric'].get(m[1]) for r in result}, expected, name)
        # Instance types: node_dmi_info's product_name; a node without DMI is
        # still listed (above), and choosing a type keeps only its nodes and those.
        itype = variables['instance_type']
        m = re.fullmatch(r'label_values\((.*),\s*product_name\)', itype['definition'])
        self.assertTrue(m, itype['definition'])
        self.assertEqual(itype['query']['query'], itype['definition'])
        self.query(render(m.group(1)))
        none = self.query(render(variables['instance']['definition'][len('query_result('):-1],
                                 instance_type='no-such-type'))
        with_dmi = {r['metric']['instance'] for r in self.query('node_dmi_info{job="node"}')}
        self.assertEqual({r['metric'].get('instance') for r in none}, set(self.targets) - with_dmi)
        if os.path.isdir(NE_FIXTURES) and os.environ.get('NODE_AGENT_RAY_FIXTURES') != 'own':
            self.assertTrue(with_dmi, 'the node_exporter fixture agent has DMI')

    def test_every_dashboard_query_is_valid_and_returns_data(self):
        queries = dashboard_queries(dashboard())
        checks, validity_only, report = {}, [], []
        workers = prom_regex(self.workers)
        for title, ref, expr in queries:
            metrics = metrics_of(expr)
            self.assertTrue(metrics, f'{title} {ref}: no metric in {expr}')
            key = f'{title} [{ref}]'
            if metrics <= set(VALIDITY_ONLY):
                self.query(render(expr))  # valid: status success
                validity_only.append(f'{key} ({", ".join(sorted(metrics))})')
                continue
            self.assertFalse(metrics & set(VALIDITY_ONLY), f'{key} mixes validity-only metrics with others')
            checks[key] = (render(expr), bool)  # all nodes ("All")
            if metrics & LIVE:
                checks[key + ' head'] = (render(expr, ray_node_type='head'), bool)
                checks[key + ' head instance'] = (render(expr, instance=prom_regex([self.head])), bool)
            if metrics & FIXTURE:
                checks[key + ' workers'] = (render(expr, ray_node_type='worker'), bool)
                checks[key + ' worker instances'] = (render(expr, instance=workers), bool)
        failed = self.poll(checks)
        for key, (expr, _) in sorted(checks.items()):
            if key in failed:
                report.append(f'  NO DATA {key}')
                continue
            values = [float(r['value'][1]) for r in self.query(expr)]
            nan = sum(v != v for v in values)
            report.append(f'  {len(values):3} series{f" ({nan} NaN: 0/0, no I/O)" if nan else ""}: {key}')
        print(f'\n{len(queries)} dashboard queries, {len(checks)} evaluations with data expected, '
              f'{len(validity_only)} checked for validity only; fixture agents: {sorted(self.workers.values())}\n'
              + '\n'.join(report) + f'\nvalidity only ({ENA}):\n  ' + '\n  '.join(validity_only))
        self.assertEqual(failed, {}, f'queries with no data within {WAIT_S}s')


@unittest.skipUnless(PROMETHEUS and yaml, 'prometheus or python3-yaml is not installed')
class ShardsTest(unittest.TestCase):
    """Real Prometheus servers on the shard configs: each discovered target is
    active on exactly one shard."""

    def test_each_target_on_exactly_one_shard(self):
        dir_ = tempfile.mkdtemp(prefix='e2e-rayex-shards-')
        proms = []
        try:
            # Loopback addresses with nothing listening: refused at once.
            targets = [f'127.0.1.{i + 1}:9' for i in range(24)]
            write_atomically(os.path.join(dir_, 'node_agent_service_discovery.json'), json.dumps(
                [{'targets': [t], 'labels': {'job': 'node', 'ray_node_type': 'worker'}} for t in targets]))
            write_atomically(os.path.join(dir_, 'prom_metrics_service_discovery.json'), '[]')
            active = {}
            for path in SHARD_CONFIGS:
                sdir = os.path.join(dir_, os.path.basename(path))
                os.mkdir(sdir)
                with open(path) as f:
                    text = f.read().replace('/tmp/ray/', dir_ + '/')
                proms.append(start_prometheus(text, sdir))
            deadline = time.monotonic() + WAIT_S
            while True:
                active = {}
                for path, (_, port) in zip(SHARD_CONFIGS, proms):
                    r = api(port, 'targets', state='active')['data']['activeTargets']
                    active[os.path.basename(path)] = {t['labels']['instance'] for t in r
                                                      if t['labels']['job'] == 'node'}
                if sum(len(v) for v in active.values()) >= len(targets) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            union = set().union(*active.values())
            self.assertEqual(union, set(targets), active)
            self.assertEqual(sum(len(v) for v in active.values()), len(targets), f'disjoint: {active}')
            self.assertTrue(all(active.values()), f'every shard gets some of 24 targets: {active}')
            print('\n' + ', '.join(f'{k}: {len(v)} targets' for k, v in sorted(active.items())))
        finally:
            for p, _ in proms:
                p.stop()
            shutil.rmtree(dir_, ignore_errors=True)


# --- install.sh's choice of package, without installing ------------------------------

OS_RELEASE = {
    'al2': 'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\n',
    'al2023': 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\n',
    'ubuntu': 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
}
# What install.sh needs from a system besides its package manager.
BASE_TOOLS = ('bash', 'sed', 'tr', 'head', 'dirname', 'basename', 'grep', 'id', 'cat', 'mkdir', 'mktemp', 'rm')


def sandbox_bin(dir_, managers):
    """A PATH directory with the base tools and stubs of `managers` (which must
    not be run by a dry run: they fail loudly)."""
    os.makedirs(dir_)
    for tool in BASE_TOOLS:
        os.symlink(shutil.which(tool), os.path.join(dir_, tool))
    for m in managers:
        path = os.path.join(dir_, m)
        with open(path, 'w') as f:
            f.write(f'#!/bin/sh\necho "stub {m} ran: $*" >&2\nexit 99\n')
        os.chmod(path, 0o755)
    return dir_


def dry_run(args, managers, os_release, work):
    """install.sh --dry-run ARGS on a system with only `managers` and that
    os-release (None: no such file); (returncode, output)."""
    name = '-'.join(managers) or 'none'
    bin_dir = sandbox_bin(os.path.join(work, f'bin-{name}-{len(os.listdir(work))}'), managers)
    env = {'PATH': bin_dir, 'NODE_AGENT_OS_RELEASE': os.path.join(work, 'no-os-release')}
    if os_release is not None:
        env['NODE_AGENT_OS_RELEASE'] = os.path.join(work, f'os-release-{os_release}')
        with open(env['NODE_AGENT_OS_RELEASE'], 'w') as f:
            f.write(OS_RELEASE[os_release])
    r = subprocess.run(['/bin/bash', INSTALL_SH, '--dry-run'] + args, env=env, capture_output=True, text=True,
                       timeout=30)
    return r.returncode, r.stdout + r.stderr


class InstallPicksPackageTest(unittest.TestCase):
    """`install.sh DIR` (the cluster.yaml line) picks the package by the
    system's family, not by `command -v dnf`: Amazon Linux 2 has yum only and
    must get the RPM, an Ubuntu with rpm installed the DEB."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix='e2e-pick-')
        self.pkgs = os.path.join(self.work, 'node-agent')
        os.makedirs(self.pkgs)
        for name in ('node-agent.rpm', 'node-agent.deb'):
            open(os.path.join(self.pkgs, name), 'w').close()

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def check(self, managers, os_release, want):
        rc, out = dry_run([self.pkgs], managers, os_release, self.work)
        self.assertEqual(rc, 0, out)
        self.assertIn(f'would run: {want}', out)
        self.assertNotIn('stub', out)

    def test_amazon_linux_2_yum_only_gets_the_rpm(self):
        self.check(['yum', 'rpm'], 'al2', f'yum install -y {self.pkgs}/node-agent.rpm')
        # Without os-release too: rpm present, no dpkg.
        self.check(['yum', 'rpm'], None, f'yum install -y {self.pkgs}/node-agent.rpm')

    def test_amazon_linux_2023_dnf(self):
        self.check(['dnf', 'rpm'], 'al2023', f'dnf install -y {self.pkgs}/node-agent.rpm')

    def test_ubuntu_with_rpm_installed_gets_the_deb(self):
        rc, out = dry_run([self.pkgs], ['apt-get', 'dpkg', 'rpm'], 'ubuntu', self.work)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, rf'would run: apt-get install -y -q -o DPkg::Lock::Timeout=[0-9]+ .* '
                              rf'{re.escape(self.pkgs)}/node-agent\.deb')

    def test_the_old_line_sent_amazon_linux_2_the_deb(self):
        # What cluster-*.yaml ran before: `command -v dnf` is false on AL2.
        bin_dir = sandbox_bin(os.path.join(self.work, 'old'), ['yum', 'rpm'])
        r = subprocess.run(['/bin/bash', '-c', 'echo node-agent.$(command -v dnf >/dev/null && echo rpm || echo deb)'],
                           env={'PATH': bin_dir}, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.stdout.strip(), 'node-agent.deb')

    def test_missing_package_of_the_family_is_an_error_naming_it(self):
        os.unlink(os.path.join(self.pkgs, 'node-agent.rpm'))
        rc, out = dry_run([self.pkgs], ['yum', 'rpm'], 'al2', self.work)
        self.assertNotEqual(rc, 0)
        self.assertIn('no node-agent.rpm', out)


# --- file_mounts across a head stop/start ------------------------------------------------

def expand_remote(path, home, tmp):
    """A remote path of cluster.yaml on a node whose home is `home` and whose
    /tmp is `tmp`."""
    if path.startswith('~/'):
        return os.path.join(home, path[2:])
    assert path.startswith('/tmp/'), path
    return os.path.join(tmp, path[5:])


@unittest.skipUnless(yaml, 'python3-yaml is not installed')
class HomeMountAfterTmpEmptiedTest(unittest.TestCase):
    """What the autoscaler does with cluster-host.yaml's file_mounts, on
    temporary directories: `ray up` copies the laptop's files to the head's
    remote paths; a stop/start of the head empties its /tmp (a tmpfs on
    AL2023) and the next `ray up` skips file mounts (same config hash); a worker
    launched then gets its file_mounts from the head's copy at the remote path
    (Ray maps each remote path to itself for the head's autoscaler and asserts
    that the local path exists). Then the worker's setup line installs from its
    copy."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix='e2e-mounts-')
        self.laptop = os.path.join(self.work, 'laptop')
        for rel in ('dist/node-agent.rpm', 'dist/node-agent.deb', 'packaging/install.sh'):
            os.makedirs(os.path.dirname(os.path.join(self.laptop, rel)), exist_ok=True)
            shutil.copy(INSTALL_SH, os.path.join(self.laptop, rel)) if rel.endswith('.sh') else \
                open(os.path.join(self.laptop, rel), 'w').close()
        self.nodes = {n: (os.path.join(self.work, n, 'home'), os.path.join(self.work, n, 'tmp'))
                      for n in ('head', 'worker')}
        for home, tmp in self.nodes.values():
            os.makedirs(home)
            os.makedirs(tmp)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def launch_worker_after_head_restart(self, mounts):
        head_home, head_tmp = self.nodes['head']
        worker_home, worker_tmp = self.nodes['worker']
        for remote, local in mounts.items():  # ray up: laptop -> head
            dst = expand_remote(remote, head_home, head_tmp)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.join(self.laptop, local), dst)
        shutil.rmtree(head_tmp)  # the head's stop/start
        os.makedirs(head_tmp)
        for remote in mounts:  # the head's autoscaler: remote -> remote, on the worker
            src = expand_remote(remote, head_home, head_tmp)
            if not os.path.exists(src):
                return f'worker update failed: local path {remote} missing on the head'
            dst = expand_remote(remote, worker_home, worker_tmp)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
        return None

    def test_example_survives_and_the_worker_installs(self):
        c = load_yaml(os.path.join(EXAMPLES, 'cluster-host.yaml'))
        self.assertIsNone(self.launch_worker_after_head_restart(c['file_mounts']))
        # The worker's setup line, as the SSH user's shell runs it (~ is its
        # home; sudo is not needed for a dry run), on an AL2023 worker.
        line = next(cmd for cmd in c['setup_commands'] if 'install.sh' in cmd)
        self.assertTrue(line.startswith('sudo '), line)
        worker_home, _ = self.nodes['worker']
        bin_dir = sandbox_bin(os.path.join(self.work, 'bin'), ['dnf', 'rpm'])
        osr = os.path.join(self.work, 'os-release')
        with open(osr, 'w') as f:
            f.write(OS_RELEASE['al2023'])
        cmd = line[len('sudo '):].replace('install.sh ', 'install.sh --dry-run ', 1)
        r = subprocess.run(['/bin/bash', '-c', cmd], capture_output=True, text=True, timeout=30,
                           env={'PATH': bin_dir, 'HOME': worker_home, 'NODE_AGENT_OS_RELEASE': osr})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f'would run: dnf install -y {worker_home}/node-agent/node-agent.rpm', r.stdout)

    def test_the_old_tmp_paths_broke_the_worker(self):
        old = {'/tmp/node-agent/node-agent.rpm': 'dist/node-agent.rpm',
               '/tmp/node-agent/install.sh': 'packaging/install.sh'}
        self.assertIn('missing on the head', self.launch_worker_after_head_restart(old) or '')


# --- compose at boot: /tmp/ray before Docker creates it -----------------------------------

SYSTEMD_TMPFILES = shutil.which('systemd-tmpfiles')
SETPRIV = shutil.which('setpriv')


@unittest.skipUnless(SYSTEMD_TMPFILES and SETPRIV and os.geteuid() == 0,
                     'needs root, systemd-tmpfiles and setpriv (util-linux)')
class ComposeBootOrderTest(unittest.TestCase):
    """A boot with docker-compose.yml's containers (restart: unless-stopped,
    /tmp/ray bind-mounted) on a temporary root: systemd-tmpfiles runs before
    any service (sysinit.target), then Docker starts the containers, creating a
    missing bind-mount source as root 0755, then Ray, as a non-root user (uid
    1000: ec2-user, ubuntu, `ray` in Ray's images), creates its session
    directory in /tmp/ray."""
    RAY_UID = 1000

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='e2e-boot-')
        os.chmod(self.root, 0o755)
        os.makedirs(os.path.join(self.root, 'tmp'))
        os.chmod(os.path.join(self.root, 'tmp'), 0o1777)
        self.ray_dir = os.path.join(self.root, 'tmp', 'ray')

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def boot(self, with_tmpfiles):
        if with_tmpfiles:
            conf = os.path.join(self.root, 'usr', 'lib', 'tmpfiles.d')
            os.makedirs(conf)
            shutil.copy(TMPFILES, os.path.join(conf, 'node-agent.conf'))
            r = subprocess.run([SYSTEMD_TMPFILES, f'--root={self.root}', '--create', 'node-agent.conf'],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
        if not os.path.exists(self.ray_dir):  # Docker: a missing bind-mount source
            os.mkdir(self.ray_dir, 0o755)
        # Ray: os.makedirs of its session directory as the Ray user.
        return subprocess.run([SETPRIV, f'--reuid={self.RAY_UID}', f'--regid={self.RAY_UID}', '--clear-groups',
                               'mkdir', '-p', os.path.join(self.ray_dir, 'session_2024-01-01_00-00-00_1')],
                              capture_output=True, text=True, timeout=30)

    def test_tmpfiles_entry_leaves_tmp_ray_writable_for_ray(self):
        r = self.boot(with_tmpfiles=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(self.ray_dir).st_mode & 0o7777, 0o777)

    def test_without_it_docker_makes_it_root_0755(self):
        r = self.boot(with_tmpfiles=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('Permission denied', r.stderr)


# --- Prometheus off the head: HTTP SD ----------------------------------------------------

class RaySdHandler(http.server.BaseHTTPRequestHandler):
    """Ray's dashboard's GET /api/prometheus/sd: Ray's file_sd list as JSON."""
    body = b'[]'

    def do_GET(self):
        if self.path != '/api/prometheus/sd':
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class HttpSdExampleTest(unittest.TestCase):
    """prometheus-http-sd.yml against a local HTTP SD server that answers as
    Ray's dashboard does, with agents on two loopback addresses as two nodes:
    the `node` job scrapes each node's agent once, labelled like the fragment."""

    def test_http_sd_example(self):
        dir_ = tempfile.mkdtemp(prefix='e2e-httpsd-')
        agents, prom, server = [], None, None
        try:
            port = None
            for _ in range(5):  # one port on both addresses, as on two nodes
                port = free_port()
                try:
                    agents = [start_agent('--collector.disable-defaults', '--collector.loadavg',
                                          port=port)[0]]
                    p = Process([AGENT, f'--web.listen-address=127.0.0.2:{port}', '--ray.sd-file=',
                                 '--collector.disable-defaults', '--collector.loadavg'])
                    agents.append(p)
                    wait_http(port, host='127.0.0.2', proc=p)
                    break
                except RuntimeError:
                    for a in agents:
                        a.stop()
                    agents = []
            self.assertTrue(agents, 'no port free on 127.0.0.1 and 127.0.0.2')
            # Ray's list: the head's metrics, autoscaler and dashboard ports, a worker's.
            RaySdHandler.body = json.dumps([{'labels': {'job': 'ray'}, 'targets': [
                '127.0.0.1:41000', '127.0.0.1:44217', '127.0.0.1:44227', '127.0.0.2:41001']}]).encode()
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), RaySdHandler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            with open(os.path.join(EXAMPLES, 'prometheus-http-sd.yml')) as f:
                text = f.read()
            self.assertEqual(text.count('http://HEAD:8265/api/prometheus/sd'), 2)
            self.assertEqual(text.count("'$1:9100'"), 1)
            text = (text.replace('HEAD:8265', f'127.0.0.1:{server.server_address[1]}')
                    .replace("'$1:9100'", f"'$1:{port}'").replace('refresh_interval: 15s', 'refresh_interval: 1s')
                    .replace('  scrape_interval: 15s\n', '  scrape_interval: 1s\n  scrape_timeout: 1s\n'))
            prom, prom_port = start_prometheus(text, dir_)
            want = {f'127.0.0.1:{port}': '127.0.0.1', f'127.0.0.2:{port}': '127.0.0.2'}
            deadline = time.monotonic() + WAIT_S
            while True:
                active = api(prom_port, 'targets', state='active')['data']['activeTargets']
                node = {t['labels']['instance']: t for t in active if t['scrapePool'] == 'node'}
                if set(node) == set(want) and all(t['health'] == 'up' for t in node.values()):
                    break
                if time.monotonic() > deadline:
                    self.fail(f'node targets {json.dumps(node, indent=1)[:3000]}, want {want} up')
                time.sleep(0.5)
            for instance, ip in want.items():
                labels = node[instance]['labels']
                self.assertEqual((labels['job'], labels['ip'], labels['ray_io_cluster']), ('node', ip, 'ray-nodes'))
            ray = [t for t in active if t['scrapePool'] == 'ray']
            self.assertEqual(len(ray), 4, 'Ray\'s own targets, as listed')
        finally:
            if prom:
                prom.stop()
            if server:
                server.shutdown()
            for a in agents:
                a.stop()
            shutil.rmtree(dir_, ignore_errors=True)


# --- first boot on Ubuntu: a held dpkg lock ------------------------------------------------

DPKG, DPKG_DEB = shutil.which('dpkg'), shutil.which('dpkg-deb')
LOCK_HELD_S = 4


def hold_lock(path, seconds):
    """A process holding dpkg's lock (an fcntl write lock, as dpkg and apt
    take it) on `path` for `seconds`; returns it once the lock is held."""
    code = ('import fcntl, os, sys, time\n'
            'fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)\n'
            'fcntl.lockf(fd, fcntl.LOCK_EX)\n'
            'print("held", flush=True)\n'
            'time.sleep(float(sys.argv[2]))\n')
    p = subprocess.Popen([shutil.which('python3'), '-c', code, path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'held'
    return p


@unittest.skipUnless(DPKG and DPKG_DEB and os.geteuid() == 0, 'needs root, dpkg and dpkg-deb')
class InstallWaitsForDpkgLockTest(unittest.TestCase):
    """install.sh with a .deb while another process (unattended-upgrades at an
    Ubuntu AMI's first boot) holds dpkg's lock: it waits, bounded by
    --lock-timeout, then installs. Into a temporary root (dpkg --root), with a
    small .deb of the agent binary, started detached on loopback."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix='e2e-dpkglock-')
        self.root = os.path.join(self.work, 'root')
        for d in ('var/lib/dpkg/info', 'var/lib/dpkg/updates', 'etc'):
            os.makedirs(os.path.join(self.root, d))
        open(os.path.join(self.root, 'var/lib/dpkg/status'), 'w').close()
        stage = os.path.join(self.work, 'stage')
        os.makedirs(os.path.join(stage, 'DEBIAN'))
        os.makedirs(os.path.join(stage, 'usr/bin'))
        os.makedirs(os.path.join(stage, 'etc/default'))
        shutil.copy(AGENT, os.path.join(stage, 'usr/bin/node-agent'))
        shutil.copy(os.path.join(ROOT, 'packaging', 'node-agent.flags'), os.path.join(stage, 'etc/default/node-agent'))
        with open(os.path.join(stage, 'DEBIAN/control'), 'w') as f:
            f.write('Package: node-agent\nVersion: 0.0.1\nArchitecture: all\nMaintainer: test <t@example.com>\n'
                    'Description: test stand-in for the node-agent package\n')
        self.deb = os.path.join(self.work, 'node-agent.deb')
        subprocess.run([DPKG_DEB, '--root-owner-group', '-Znone', '--build', stage, self.deb], check=True,
                       capture_output=True, timeout=60)
        self.holder = None
        self.port = free_port()

    def tearDown(self):
        if self.holder:
            self.holder.kill()
            self.holder.wait()
            self.holder.stdout.close()
        pidfile = os.path.join(self.root, 'run/node-agent.pid')
        if os.path.exists(pidfile):
            with open(pidfile) as f:
                try:
                    os.kill(int(f.read().strip()), 15)
                except (ValueError, ProcessLookupError):
                    pass
        shutil.rmtree(self.work, ignore_errors=True)

    def install(self, *extra):
        return subprocess.run(['/bin/bash', INSTALL_SH, '--root', self.root, '--no-systemd',
                               '--args', f'--web.listen-address=127.0.0.1:{self.port} --ray.sd-file=',
                               *extra, self.deb], capture_output=True, text=True, timeout=120)

    def test_waits_out_a_held_lock_then_installs(self):
        self.holder = hold_lock(os.path.join(self.root, 'var/lib/dpkg/lock-frontend'), LOCK_HELD_S)
        start = time.monotonic()
        r = self.install('--lock-timeout', '60')
        took = time.monotonic() - start
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('locked by another process', r.stdout + r.stderr)
        self.assertGreaterEqual(took, LOCK_HELD_S - 1, 'installed while the lock was held?')
        status = subprocess.run(['dpkg-query', f'--root={self.root}', '-W', '-f=${Status}', 'node-agent'],
                                capture_output=True, text=True, timeout=30).stdout
        self.assertEqual(status, 'install ok installed')
        wait_http(self.port, timeout=10)
        print(f'\ninstall.sh waited {took:.1f}s for a dpkg lock held {LOCK_HELD_S}s')

    def test_gives_up_after_lock_timeout(self):
        self.holder = hold_lock(os.path.join(self.root, 'var/lib/dpkg/lock-frontend'), 60)
        start = time.monotonic()
        r = self.install('--lock-timeout', '3')
        took = time.monotonic() - start
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('still held after 3s', r.stdout + r.stderr)
        self.assertLess(took, 30)


if __name__ == '__main__':
    unittest.main()
