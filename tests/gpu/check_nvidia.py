#!/usr/bin/env python3
"""Compares node-agent's nvidia collector with nvidia-smi on a real GPU machine.

    tests/gpu/check_nvidia.py /path/to/node-agent [--port N] [--library PATH]

Needs only python3 and nvidia-smi (a bare Ubuntu GPU node; the static binary is
copied there). Starts node-agent on 127.0.0.1 with only the nvidia collector,
scrapes /metrics and runs `nvidia-smi --query-gpu=...` at the same moment, and
prints one row per GPU and metric: ours, nvidia-smi's, match or MISMATCH (moving
values within a tolerance). Ends with "N matched, M mismatched, K not supported"
and exits 1 on any mismatch or when nothing could be compared. Not part of CI.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# (nvidia-smi field, DCGM family, tolerance as (absolute, relative), converter)
# Tolerances are for values that move between the two reads.
FIELDS = [
    ('temperature.gpu', 'DCGM_FI_DEV_GPU_TEMP', (2, 0), float),
    ('temperature.memory', 'DCGM_FI_DEV_MEMORY_TEMP', (2, 0), float),
    ('power.draw', 'DCGM_FI_DEV_POWER_USAGE', (15, 0.2), float),
    ('clocks.sm', 'DCGM_FI_DEV_SM_CLOCK', (50, 0.5), float),
    ('clocks.mem', 'DCGM_FI_DEV_MEM_CLOCK', (50, 0.1), float),
    ('utilization.gpu', 'DCGM_FI_DEV_GPU_UTIL', (10, 0), float),
    ('utilization.memory', 'DCGM_FI_DEV_MEM_COPY_UTIL', (10, 0), float),
    ('utilization.encoder', 'DCGM_FI_DEV_ENC_UTIL', (10, 0), float),
    ('utilization.decoder', 'DCGM_FI_DEV_DEC_UTIL', (10, 0), float),
    ('memory.used', 'DCGM_FI_DEV_FB_USED', (64, 0), float),
    ('memory.free', 'DCGM_FI_DEV_FB_FREE', (64, 0), float),
    ('clocks_event_reasons.active', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', (0, 0), lambda s: float(int(s, 16))),
    ('ecc.errors.corrected.volatile.total', 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', (0, 0), float),
    ('ecc.errors.uncorrected.volatile.total', 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', (0, 0), float),
    ('ecc.errors.corrected.aggregate.total', 'DCGM_FI_DEV_ECC_SBE_AGG_TOTAL', (0, 0), float),
    ('ecc.errors.uncorrected.aggregate.total', 'DCGM_FI_DEV_ECC_DBE_AGG_TOTAL', (0, 0), float),
    ('remapped_rows.correctable', 'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', (0, 0), float),
    ('remapped_rows.uncorrectable', 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', (0, 0), float),
    ('remapped_rows.failure', 'DCGM_FI_DEV_ROW_REMAP_FAILURE', (0, 0), lambda s: float(s.lower() in ('yes', '1'))),
]
# Labels compared with nvidia-smi's identity columns.
LABEL_FIELDS = [('uuid', 'UUID'), ('pci.bus_id', 'pci_bus_id'), ('name', 'modelName'),
                ('driver_version', 'DCGM_FI_DRIVER_VERSION')]
NOT_SUPPORTED = re.compile(r'^\[?(N/A|Not Supported|Unknown Error|Requested functionality has been deprecated)\]?$',
                           re.I)
SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)\{(.*)\}\s+(\S+)$')
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def scrape(port, timeout=10):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/metrics', timeout=timeout) as r:
        return r.read().decode()


def parse(text):
    """{gpu index: {family: (value, labels)}} for DCGM_* samples."""
    gpus = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if not m or not m.group(1).startswith('DCGM_'):
            continue
        labels = dict(LABEL.findall(m.group(2)))
        gpus.setdefault(labels.get('gpu'), {})[m.group(1)] = (float(m.group(3)), labels)
    return gpus


def smi(fields):
    names = ['index'] + [f for f, *_ in fields] + [f for f, _ in LABEL_FIELDS]
    r = run(['nvidia-smi', '--query-gpu=' + ','.join(names), '--format=csv,noheader,nounits'])
    if r.returncode != 0:
        raise RuntimeError('nvidia-smi failed: ' + (r.stderr or r.stdout).strip())
    rows = {}
    for line in r.stdout.strip().splitlines():
        cells = [c.strip() for c in line.split(',')]
        rows[cells[0]] = dict(zip(names, cells))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('binary')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--library', default='')
    args = ap.parse_args()

    print('# ' + (run(['ldd', '--version']).stdout.splitlines() or ['ldd: ?'])[0])
    r = run(['nvidia-smi', '--query-gpu=driver_version,name', '--format=csv,noheader'])
    print('# nvidia-smi: ' + (r.stdout.strip() or r.stderr.strip()))

    port = args.port or free_port()
    argv = [args.binary, f'--web.listen-address=127.0.0.1:{port}', '--collector.disable-defaults',
            '--collector.nvidia', '--ray.sd-file=', '--log.level=debug']
    if args.library:
        argv.append('--collector.nvidia.library=' + args.library)
    log = tempfile.TemporaryFile(mode='w+')
    agent = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        text = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and agent.poll() is None:
            try:
                text = scrape(port)
                break
            except OSError:
                time.sleep(0.2)
        if text is None:
            log.seek(0)
            print('FAIL: node-agent served nothing on port %d; its log:\n%s' % (port, log.read()))
            return 1
        # The helper's glibc needs, from the helper process node-agent started.
        helper = run(['pgrep', '-P', str(agent.pid)]).stdout.split()
        for pid in helper[:1]:
            exe = f'/proc/{pid}/exe'
            maps = open(f'/proc/{pid}/maps').read() if os.path.exists(f'/proc/{pid}/maps') else ''
            libc = sorted({m for m in re.findall(r'\S*libc\.so\.6', maps)})
            nvml = sorted({m for m in re.findall(r'\S*libnvidia-ml\.so\S*', maps)})
            print(f'# helper pid {pid} ({os.readlink(exe) if os.path.exists(exe) else "?"}): libc {libc}, NVML {nvml}')
            od = run(['objdump', '-T', exe]) if run(['which', 'objdump']).returncode == 0 else None
            if od and od.returncode == 0:
                vers = sorted(set(re.findall(r'GLIBC_[0-9.]+', od.stdout)), key=lambda v: [int(x) for x in v[6:].split('.')])
                print(f'# helper glibc versions needed: {" ".join(vers)} (must be <= GLIBC_2.17)')
            else:
                print('# helper glibc versions: objdump not installed here (checked in CI by NvidiaHelper.NeedsNoGlibcNewerThan217)')
        # The comparison: scrape and nvidia-smi at the same moment.
        text = scrape(port)
        rows = smi(FIELDS)
        ours = parse(text)
        matched = mismatched = unsupported = 0
        print('%-4s %-40s %-16s %-16s %s' % ('gpu', 'metric', 'node-agent', 'nvidia-smi', 'result'))
        for index, row in sorted(rows.items()):
            mine = ours.get(index, {})
            if not mine:
                print(f'{index:<4} (no DCGM_* sample for this GPU)                                       MISMATCH')
                mismatched += 1
                continue
            labels = next(iter(mine.values()))[1]
            for field, label in LABEL_FIELDS:
                ok = labels.get(label, '') == row[field]
                print('%-4s %-40s %-16s %-16s %s' % (index, 'label ' + label, labels.get(label, '-')[:16],
                                                      row[field][:16], 'match' if ok else 'MISMATCH'))
                matched += ok
                mismatched += not ok
            for field, family, (abs_tol, rel_tol), conv in FIELDS:
                smi_text = row.get(field, '')
                have = family in mine
                if NOT_SUPPORTED.match(smi_text) or not smi_text:
                    result = 'not supported' if not have else 'not supported by nvidia-smi'
                    unsupported += 1
                    print('%-4s %-40s %-16s %-16s %s' % (index, family, mine[family][0] if have else '-', smi_text, result))
                    continue
                theirs = conv(smi_text)
                if not have:
                    print('%-4s %-40s %-16s %-16s %s' % (index, family, '-', theirs, 'MISMATCH (missing)'))
                    mismatched += 1
                    continue
                value = mine[family][0]
                ok = abs(value - theirs) <= max(abs_tol, rel_tol * abs(theirs))
                matched += ok
                mismatched += not ok
                print('%-4s %-40s %-16g %-16g %s' % (index, family, value, theirs, 'match' if ok else 'MISMATCH'))
            for family in ('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER',
                           'DCGM_FI_DEV_XID_ERRORS'):
                print('%-4s %-40s %-16s %-16s %s' % (index, family, mine[family][0] if family in mine else '-', '',
                                                      'not compared (no nvidia-smi column)'))
        print(f'{matched} matched, {mismatched} mismatched, {unsupported} not supported')
        return 0 if mismatched == 0 and matched > 0 else 1
    finally:
        agent.terminate()
        try:
            agent.wait(timeout=10)
        except subprocess.TimeoutExpired:
            agent.kill()


if __name__ == '__main__':
    sys.exit(main())
