#!/usr/bin/env python3
"""Generates docs/collectors.md and docs/node-agent.1 from the binary.

    tests/e2e/docs_gen.py [--binary PATH] [--write | --check]   (docs/gen-docs.sh runs --write)

Everything comes from what the binary itself says, so the pages cannot drift from it:

- the collectors (name, default) and every flag (names, type, default, help) from
  `node-agent --help-json`, a hidden flag that prints the CLI11 definitions --help is
  formatted from;
- each collector's metric families from a scrape of node_exporter's own fixture tree
  (../shared/conformance/node_exporter/fixtures) with node_exporter's end-to-end flags,
  one `?collect[]=NAME` request per collector. A fixture tree makes them the same on every
  machine; collectors that read the live host whatever the --path flags say (ioctls,
  netlink, D-Bus, NVML, network servers) are not scraped and carry a fixed note instead.
  Without ../shared the families already on the committed page are kept (so the rest of
  the page can still be checked) and a collector new to the page gets none.

--check exits 1 and prints a diff when a committed file differs from what the binary
generates (tests/e2e/test_docs.py runs the same comparison).
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ROOT = common.ROOT
COLLECTORS_MD = os.path.join(ROOT, 'docs', 'collectors.md')
MAN_PAGE = os.path.join(ROOT, 'docs', 'node-agent.1')
FIXTURES = os.path.join(common.SHARED, 'conformance', 'node_exporter', 'fixtures')

# Collectors whose families depend on the live host, not on --path.* (ioctls, netlink, D-Bus,
# NVML, perf events, network servers): they are not scraped, and the page says this instead.
# tests/e2e/test_docs.py checks that each family named here is in the collector's source.
LIVE_FAMILIES = {
    'ethtool': '`node_ethtool_info`, `node_ethtool_*` (driver statistics by ioctl; by default only '
               "EC2 ENA's allowance counters and generic error and drop counters), link modes as "
               '`node_network_advertised_speed_bytes`, `node_network_supported_speed_bytes`, '
               '`node_network_autonegotiate`, `node_network_supported_port_info`, …',
    'logind': '`node_logind_sessions` (systemd-logind over D-Bus)',
    'netdev': '`node_network_receive_*_total`, `node_network_transmit_*_total` per device (netlink, or '
              '`/proc/net/dev` of a tree that has it), `node_network_address_info` with '
              '`--collector.netdev.address-info`',
    'network_route': '`node_network_route_info`, `node_network_routes` (rtnetlink)',
    'ntp': '`node_ntp_stratum`, `node_ntp_leap`, `node_ntp_rtt_seconds`, `node_ntp_offset_seconds`, '
           '`node_ntp_reference_timestamp_seconds`, `node_ntp_root_delay_seconds`, '
           '`node_ntp_root_dispersion_seconds`, `node_ntp_sanity` (an NTP query to `--collector.ntp.server`)',
    'nvidia': "dcgm-exporter's `DCGM_FI_DEV_*` (NVML), see [nvidia.md](nvidia.md)",
    'perf': '`node_perf_*` per CPU (perf_event_open hardware, software and cache counters, tracepoints)',
    'selinux': '`node_selinux_enabled`, `node_selinux_config_mode`, `node_selinux_current_mode`',
    'supervisord': '`node_supervisord_up`, `node_supervisord_state`, `node_supervisord_exit_status`, '
                   '`node_supervisord_start_time_seconds` (supervisord over XML-RPC)',
    'systemd': '`node_systemd_units`, `node_systemd_unit_state`, `node_systemd_unit_start_time_seconds`, '
               '`node_systemd_unit_tasks_current`, `node_systemd_unit_tasks_max`, '
               '`node_systemd_service_restart_total`, `node_systemd_socket_*`, '
               '`node_systemd_timer_last_trigger_seconds`, `node_systemd_system_running`, '
               '`node_systemd_version`, `node_systemd_virtualization_info` (systemd over D-Bus)',
    'tcpstat': '`node_tcp_connection_states` (sock_diag netlink)',
}
# Collectors that node_exporter's fixture tree has no data for: the page says this instead
# of "none" (checked against the source as above).
UNFIXTURED_FAMILIES = {
    'drm': '`node_drm_card_info`, `node_drm_gpu_busy_percent`, `node_drm_memory_gtt_size_bytes`, '
           '`node_drm_memory_gtt_used_bytes`, `node_drm_memory_vis_vram_size_bytes`, '
           '`node_drm_memory_vis_vram_used_bytes`, `node_drm_memory_vram_size_bytes`, '
           '`node_drm_memory_vram_used_bytes` (amdgpu cards)',
    'runit': '`node_service_state`, `node_service_desired_state`, `node_service_normal_state`, '
             '`node_service_state_last_change_timestamp_seconds` (services under `--collector.runit.servicedir`)',
}


# node_exporter's end-to-end flags (end-to-end-test.sh of v1.12.1, as
# ../shared/conformance/run.sh passes them); FX is the fixture tree. Flags this
# binary does not have are dropped.
E2E_FLAGS = [
    '--collector.cpu.info', '--collector.arp.device-exclude=nope', '--collector.bcache.priorityStats',
    '--collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$',
    '--collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$',
    '--collector.hwmon.chip-include=(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)',
    '--collector.netclass.ignore-invalid-speed', '--collector.netclass.ignored-devices=(dmz|int)',
    '--collector.qdisc.device-include=(wlan0|eth0)', '--collector.qdisc.fixtures=FX/qdisc/',
    '--collector.stat.softirq', '--collector.sysctl.include-info=kernel.seccomp.actions_avail',
    '--collector.sysctl.include=fs.file-nr', '--collector.sysctl.include=kernel.threads-max',
    '--collector.textfile.directory=FX/textfile/two_metric_files/', '--collector.wifi.fixtures=FX/wifi',
    '--no-collector.arp.netlink',
    # Not node_exporter's: its default /etc/service is the live host's.
    '--collector.runit.servicedir=FX/runit-service-dir-absent',
]
# The scrape's own families, in every answer.
OWN_FAMILIES = re.compile(r'^node_scrape_collector_')


def help_json(binary):
    out = subprocess.run([binary, '--help-json'], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def project_version():
    with open(os.path.join(ROOT, 'CMakeLists.txt')) as f:
        return re.search(r'^project\(node-agent VERSION ([^ )]+)', f.read(), re.M).group(1)


def flag_known(flag, names):
    name = flag.split('=', 1)[0]
    if name.startswith('--no-'):
        name = '--' + name[5:]
    return name in names


def scrape_families(binary, info):
    """{collector: [family, ...]} for every collector not in LIVE_FAMILIES."""
    names = {n for o in info['options'] for n in o['names']}
    scraped = [c['name'] for c in info['collectors'] if c['name'] not in LIVE_FAMILIES]
    flags = ['--path.rootfs=' + FIXTURES, '--path.procfs=' + FIXTURES + '/proc', '--path.sysfs=' + FIXTURES + '/sys',
             '--path.udev.data=' + FIXTURES + '/udev/data', '--collector.disable-defaults',
             '--web.disable-exporter-metrics', '--web.max-requests=0']
    flags += [f.replace('FX', FIXTURES) for f in E2E_FLAGS if flag_known(f, names)]
    flags += ['--collector.' + c for c in scraped]
    saved = common.AGENT
    common.AGENT = binary
    try:
        proc, port = common.start_agent(*flags)
    finally:
        common.AGENT = saved
    try:
        result = {}
        for name in scraped:
            url = f'http://127.0.0.1:{port}/metrics?collect[]={name}'
            with urllib.request.urlopen(url, timeout=30) as resp:
                text = resp.read().decode('utf-8', errors='replace')
            fams = set(re.findall(r'^# TYPE (\S+) ', text, re.M))
            if name == 'textfile':  # the rest are the fixture files' own metrics
                fams = {f for f in fams if f.startswith('node_textfile_')}
            result[name] = sorted(f for f in fams if not OWN_FAMILIES.match(f))
        return result
    finally:
        proc.stop()


def families_on_page(path):
    """{collector: 'Families: ...' line} of a committed collectors.md."""
    if not os.path.exists(path):
        return {}
    out, current = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('## '):
                current = line[3:].strip().strip('`')
            elif current and line.startswith('Families'):
                out[current] = line.rstrip('\n')
    return out


def md_cell(text):
    return text.replace('|', '\\|').replace('\n', ' ')


def flag_name(opt):
    """--name, or --[no-]name for a flag that has a negated form."""
    names = opt['names']
    main = next((n for n in names if n.startswith('--') and not n.startswith('--no-')), names[0])
    if '--no-' + main[2:] in names:
        return '--[no-]' + main[2:]
    return main


def flag_default(opt):
    """The default as --help shows it; blank where CLI11 has none to show (a flag
    whose collector declared no default, an empty list)."""
    value = opt['default']
    if not opt['takes_value']:
        return {'true': 'on', 'false': 'off'}.get(value, '')
    return f'`{value}`' if value not in ('', '[]') else ''


def families_line(name, families, kept):
    if name in LIVE_FAMILIES:
        return 'Families (from the live host): ' + LIVE_FAMILIES[name] + '.'
    if families is None:
        return kept.get(name, 'Families: not generated (no fixture tree).')
    if not families:
        if name in UNFIXTURED_FAMILIES:
            return "Families (not in node_exporter's fixture tree): " + UNFIXTURED_FAMILIES[name] + '.'
        return "Families: none on node_exporter's fixture tree."
    return 'Families: ' + ', '.join(f'`{f}`' for f in families) + '.'


def collectors_md(info, families):
    kept = families_on_page(COLLECTORS_MD) if families is None else {}
    lines = [
        '# Collectors',
        '',
        '<!-- Generated by docs/gen-docs.sh from `node-agent --help-json` and a scrape of node_exporter\'s',
        '     fixture tree; tests/e2e/test_docs.py fails when this page differs. Do not edit by hand. -->',
        '',
        "Each collector is named after node_exporter's and exports node_exporter 1.12's families, with the",
        "same names, labels, types and values. `--collector.NAME` / `--no-collector.NAME` enables or",
        'disables one; `--collector.disable-defaults` starts from none. The families listed are those a',
        "scrape of node_exporter's own test fixture tree returns with node_exporter's end-to-end flags;",
        "on a real host a collector exports what the host has (a family with no device is absent).",
        'How flag values are read (Go regular expressions, `--flag=`, include/exclude pairs) is in',
        '[configuration.md](configuration.md#flag-values).',
        '',
        '| collector | default | families | flags |',
        '|---|---|---:|---:|',
    ]
    sections = []
    for c in info['collectors']:
        name = c['name']
        fams = None if families is None else families.get(name)
        fline = families_line(name, fams, kept)
        if name in LIVE_FAMILIES:
            count = 'live'
        elif fline.startswith('Families (not in'):
            count = '—'
        else:
            count = str(len(re.findall(r'`([^`]+)`', fline)))
        visible = [o for o in c['flags'] if o['group']]
        lines.append(f'| [`{name}`](#{name}) | {"**on**" if c["enabled_by_default"] else "off"} | {count} | '
                     f'{len(visible)} |')
        sec = [f'## `{name}`', '',
               f'Default: {"**on**" if c["enabled_by_default"] else "off"}. '
               f'`--collector.{name}` / `--no-collector.{name}`.', '', fline, '']
        if c['flags']:
            sec += ['| flag | default | |', '|---|---|---|']
            for o in c['flags']:
                flag = flag_name(o)
                if o['takes_value']:
                    flag += '=' + (o['type'] or 'VALUE')
                hidden = ' (hidden from `--help`)' if not o['group'] else ''
                sec.append(f'| `{md_cell(flag)}` | {md_cell(flag_default(o))} | {md_cell(o["help"])}{hidden} |')
            sec.append('')
        sections += sec
    return '\n'.join(lines + [''] + sections).rstrip('\n') + '\n'


# ---- the man page -------------------------------------------------------------------

def roff(text):
    text = text.replace('\\', '\\e').replace('-', '\\-')
    # Long words (regexes, paths) may break after | , / so that no line overflows.
    text = re.sub(r'\S{40,}', lambda m: re.sub(r'([|,/])', r'\1\\:', m.group(0)), text)
    return re.sub(r'^([.\'])', r'\\&\1', text, flags=re.M)


def help_text(o):
    """The flag's help, with its allowed values and default where the help does not say them."""
    text = o['help'].strip()
    if text and text[-1] not in '.)':
        text += '.'
    for check in o.get('checks', []):
        if check.startswith('{') and check.endswith('}'):
            text += ' One of: ' + ', '.join(check[1:-1].split(',')) + '.'
    if o['takes_value'] and o['default'] not in ('', '[]') and 'default' not in text.lower():
        text += f' Default: {o["default"]}.'
    return text


def man_option(o):
    names = ', '.join(f'\\fB{roff(n)}\\fR' for n in o['names'])
    if o['takes_value']:
        names += '=\\fI' + roff(o['type'] or 'VALUE') + '\\fR'
    return ['.TP', names, roff(help_text(o))]


MAN_TEXT = {
    'description': [
        'node-agent serves hardware and operating system metrics of a Linux host in the Prometheus',
        'text format on /metrics, with node_exporter 1.12\'s metric names, labels, types, values and',
        'flags, so node_exporter\'s dashboards, alerts and systemd command lines keep working. It is',
        'built for the nodes of Ray clusters: on the head node it also follows Ray\'s service discovery',
        'file and writes a file_sd list of every node\'s agent for Prometheus.',
        '.PP',
        'Every collector runs under the scrape\'s deadline (Prometheus\' X-Prometheus-Scrape-Timeout-Seconds',
        'header less \\fB\\-\\-scrape.timeout-margin\\fR); a collector still running then reports',
        'node_scrape_collector_success 0 and the rest of the scrape is served on time.',
    ],
    'endpoints': [
        '.TP', '\\fBGET /metrics\\fR',
        'A scrape (gzipped when Accept-Encoding allows). \\fB?collect[]=NAME\\fR and \\fB?exclude[]=NAME\\fR',
        'restrict it to, or exclude, enabled collectors.',
        '.TP', '\\fBGET /\\fR', 'A landing page linking to the metrics.',
    ],
    'signals': [
        '.TP', '\\fBSIGTERM\\fR, \\fBSIGINT\\fR',
        'Stop accepting, let requests in progress finish (at most 10 s), exit 0.',
        '.TP', '\\fBSIGHUP\\fR', 'Re-read \\fB\\-\\-web.config.file\\fR and the certificates it names.',
    ],
    'files': [
        '.TP', '\\fI/etc/sysconfig/node\\-agent\\fR (RPM), \\fI/etc/default/node\\-agent\\fR (DEB)',
        'Extra flags for the packaged service, as NODE_AGENT_ARGS="...".',
        '.TP', '\\fI/usr/lib/systemd/system/node\\-agent.service\\fR', 'The hardened systemd unit.',
        '.TP', '\\fI/tmp/ray/prom_metrics_service_discovery.json\\fR',
        'Ray\'s service discovery file, followed on the head node (\\fB\\-\\-ray.sd\\-file\\fR).',
        '.TP', '\\fI/usr/share/doc/node\\-agent/README.md\\fR', 'The front page of the documentation.',
    ],
    'exit': [
        '0 after \\fB\\-\\-help\\fR, \\fB\\-\\-version\\fR or a clean shutdown; non-zero with a message naming',
        'the flag when a flag or its value is invalid, or when a listen address cannot be bound.',
    ],
    'see_also': [
        '\\fBprometheus\\-node\\-exporter\\fR(1), \\fBprometheus\\fR(1).',
        'The full documentation: README.md and docs/ in the source, https://github.com/prometheus/node_exporter',
        'for the metrics\' meaning.',
    ],
}

GROUP_TITLES = [('web', 'Web and scrapes'), ('paths', 'Paths'), ('logging', 'Logging'), ('ray', 'Ray'),
                ('collectors', 'Collectors'), ('Options', 'Help and version')]


def man_page(info):
    version = project_version()
    own = {tuple(o['names']) for c in info['collectors'] for o in c['flags']}
    out = ['.\\" Generated by docs/gen-docs.sh from `node-agent --help-json`; do not edit.',
           f'.TH NODE\\-AGENT 1 "" "node\\-agent {version}" "User Commands"',
           # Left-aligned: long flag names and regexes cannot be justified in a terminal.
           '.ad l',
           '.nh',
           '.SH NAME', 'node\\-agent \\- ' + roff(info['description'].split(': ', 1)[-1].rstrip('.')),
           '.SH SYNOPSIS', '.B node\\-agent', '[\\fIFLAG\\fR]...',
           '.SH DESCRIPTION'] + MAN_TEXT['description'] + ['.SH OPTIONS']
    enable = re.compile(r'^--(no-)?collector\.[a-z0-9_]+$')
    general = [o for o in info['options'] if o['group'] and tuple(o['names']) not in own]
    for group, title in GROUP_TITLES:
        opts = [o for o in general if o['group'] == group and not all(enable.match(n) for n in o['names'])]
        if opts:
            out += ['.SS ' + title]
            for o in opts:
                out += man_option(o)
    rest = [o for o in general if o['group'] not in dict(GROUP_TITLES)]
    if rest:
        out += ['.SS Other']
        for o in rest:
            out += man_option(o)
    out += ['.SH COLLECTORS',
            'Each collector is enabled by \\fB\\-\\-collector.\\fR\\fINAME\\fR and disabled by',
            '\\fB\\-\\-no\\-collector.\\fR\\fINAME\\fR; its own flags follow it. The metric families of each are',
            'listed in docs/collectors.md.']
    for c in info['collectors']:
        out += ['.TP', f'\\fB{roff(c["name"])}\\fR ({"on" if c["enabled_by_default"] else "off"} by default)']
        visible = [o for o in c['flags'] if o['group']]
        if not visible:
            out += ['No flags of its own.']
            continue
        out += ['Flags:', '.RS']
        for o in visible:
            out += man_option(o)
        out += ['.RE']
    for title, key in [('ENDPOINTS', 'endpoints'), ('SIGNALS', 'signals'), ('FILES', 'files'),
                       ('EXIT STATUS', 'exit'), ('SEE ALSO', 'see_also')]:
        out += ['.SH ' + title] + MAN_TEXT[key]
    return '\n'.join(out) + '\n'


def generate(binary, with_families=None):
    """{path: text} for both generated files. with_families: None = when ../shared exists."""
    info = help_json(binary)
    if with_families is None:
        with_families = os.path.isdir(FIXTURES)
    families = scrape_families(binary, info) if with_families else None
    return {COLLECTORS_MD: collectors_md(info, families), MAN_PAGE: man_page(info)}


def diff(path, text):
    old = ''
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            old = f.read()
    return ''.join(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                        os.path.relpath(path, ROOT) + ' (committed)',
                                        os.path.relpath(path, ROOT) + ' (generated)'))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary', default=common.AGENT)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument('--write', action='store_true')
    mode.add_argument('--check', action='store_true')
    args = ap.parse_args()
    if not os.path.isdir(FIXTURES):
        print(f'docs_gen: {FIXTURES} missing: families kept from the committed page', file=sys.stderr)
    pages = generate(args.binary)
    stale = 0
    for path, text in pages.items():
        d = diff(path, text)
        if args.write:
            if d:
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
                print(f'docs_gen: wrote {os.path.relpath(path, ROOT)}', file=sys.stderr)
        elif d:
            stale += 1
            sys.stdout.write(d)
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
