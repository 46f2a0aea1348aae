#!/usr/bin/env python3
"""Generates a fixture tree (proc/, sys/, udev/data) with many NICs, disks,
hwmon chips or CPUs, laid out like the kernel's and like tests/fixtures, for
the scale runs of bench/compare:

    bench/make_scale_fixture.py --nics 1000 --disks 1000 --hwmon 200 OUT
    bench/make_scale_fixture.py --nics 0 --disks 0 --hwmon 0 --cpus 448 OUT

NICs: /proc/net/dev rows and /sys/class/net/ethN -> ../../devices/virtual/net/ethN
with every attribute netclass reads. Disks: /proc/diskstats rows (nvmeNn1, 20
fields), /sys/block/nvmeNn1/queue/rotational and udev data. hwmon chips:
/sys/class/hwmon/hwmonN -> ../../devices/platform/chipN/hwmon/hwmonN with a name,
two temperatures (input, max, crit, label), a fan and a voltage.
CPUs (--cpus, 0 by default), as the cpu, cpufreq, stat, softirqs, interrupts
and schedstat collectors read them: /proc/stat (cpu lines and the rest),
/proc/cpuinfo (x86 blocks, two sockets, two threads per core), /proc/softirqs
and /proc/interrupts (a column per CPU), /proc/schedstat (cpu and domain
lines), and /sys/devices/system/cpu/{online,offline,present,possible} with
cpuN/{online,topology,thermal_throttle,cpufreq}.
"""
import argparse
import os


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def symlink(target, link):
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(target, link)


NIC_ATTRS = {
    'addr_assign_type': '0', 'addr_len': '6', 'broadcast': 'ff:ff:ff:ff:ff:ff', 'carrier': '1',
    'carrier_changes': '2', 'carrier_down_count': '1', 'carrier_up_count': '1', 'dev_id': '0x0', 'dev_port': '0',
    'dormant': '0', 'duplex': 'full', 'flags': '0x1003', 'ifalias': '', 'link_mode': '0', 'mtu': '9001',
    'name_assign_type': '4', 'netdev_group': '0', 'operstate': 'up', 'speed': '25000', 'tx_queue_len': '1000',
    'type': '1',
}


def nics(root, n):
    rows = ['Inter-|   Receive                                                |  Transmit',
            ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls '
            'carrier compressed']
    for i in range(n):
        name = f'eth{i}'
        dev = os.path.join(root, 'sys/devices/virtual/net', name)
        attrs = dict(NIC_ATTRS, ifindex=str(i + 2), iflink=str(i + 2),
                     address=f'02:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:01')
        for k, v in attrs.items():
            write(os.path.join(dev, k), v + '\n')
        symlink(f'../../devices/virtual/net/{name}', os.path.join(root, 'sys/class/net', name))
        rows.append(f'{name:>6}: {73829104857 + i} {51234567 + i} 0 {i % 7} 0 0 0 {i} '
                    f'{9182736455 + i} {23456789 + i} 0 0 0 0 0 0')
    write(os.path.join(root, 'proc/net/dev'), '\n'.join(rows) + '\n')


def disks(root, n):
    rows = []
    for i in range(n):
        name = f'nvme{i}n1'
        rows.append(f' 259 {i} {name} {182734 + i} 2451 9876544 98211 412933 190221 30114552 655120 0 301884 '
                    f'760412 12001 0 31457280 1533 88122 7010')
        write(os.path.join(root, 'sys/block', name, 'queue/rotational'), '0\n')
        write(os.path.join(root, 'udev/data', f'b259:{i}'),
              f'S:disk/by-id/nvme-Amazon_EC2_NVMe_Instance_Storage_AWS{i:017d}\n'
              f'E:ID_MODEL=Amazon EC2 NVMe Instance Storage\nE:ID_SERIAL_SHORT=AWS{i:017d}\n'
              'E:ID_REVISION=0\nE:ID_PATH=pci-0000:00:1f.0-nvme-1\n')
    write(os.path.join(root, 'proc/diskstats'), '\n'.join(rows) + '\n')


def hwmon(root, n):
    for i in range(n):
        dev = os.path.join(root, f'sys/devices/platform/chip{i}/hwmon/hwmon{i}')
        files = {'name': f'chip{i % 4}', 'temp1_input': str(40000 + i), 'temp1_max': '90000',
                 'temp1_crit': '100000', 'temp1_label': 'Package id 0', 'temp2_input': str(38000 + i),
                 'temp2_max': '90000', 'temp2_crit': '100000', 'temp2_label': 'Core 0', 'fan1_input': str(1200 + i),
                 'in0_input': '1050'}
        for k, v in files.items():
            write(os.path.join(dev, k), v + '\n')
        symlink(f'../../devices/platform/chip{i}/hwmon/hwmon{i}', os.path.join(root, 'sys/class/hwmon', f'hwmon{i}'))


CPUFREQ = {'cpuinfo_min_freq': '400000', 'cpuinfo_max_freq': '3500000', 'scaling_min_freq': '400000',
           'scaling_max_freq': '3500000', 'scaling_governor': 'performance', 'scaling_driver': 'intel_pstate',
           'scaling_available_governors': 'performance powersave', 'cpuinfo_transition_latency': '0',
           'scaling_setspeed': '<unsupported>'}
SOFTIRQS = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU']
FLAGS = ('fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht '
         'syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology nonstop_tsc cpuid '
         'aperfmperf tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt '
         'tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch invpcid_single '
         'ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f '
         'avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec '
         'xgetbv1 xsaves wbnoinvd ida arat avx512vbmi pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni '
         'avx512_bitalg tme avx512_vpopcntdq rdpid md_clear flush_l1d arch_capabilities')


def columns(n, f):
    return ' '.join(f'{f(c):>10}' for c in range(n))


def cpus(root, n):
    """n CPUs: two sockets, two threads per core (core ids repeat per socket)."""
    per_socket = max(1, n // 2)
    cores_per_socket = max(1, per_socket // 2)
    stat = [f'cpu  {n * 1000} {n} {n * 300} {n * 90000} {n * 5} 0 {n * 7} 0 0 0']
    info, sched = [], ['version 15', 'timestamp 4299999999']
    sysdir = os.path.join(root, 'sys/devices/system/cpu')
    for c in range(n):
        stat.append(f'cpu{c} {1000 + c} {c % 9} {300 + c} {90000 + c * 3} {5 + c % 3} 0 {7 + c % 5} 0 0 0')
        socket, core = c // per_socket % 2, c % per_socket % cores_per_socket
        info.append(f'processor\t: {c}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n'
                    f'model name\t: Intel(R) Xeon(R) Platinum 8488C\nstepping\t: 8\nmicrocode\t: 0x2b000590\n'
                    f'cpu MHz\t\t: {2400 + c % 7}.000\ncache size\t: 107520 KB\nphysical id\t: {socket}\n'
                    f'siblings\t: {per_socket}\ncore id\t\t: {core}\ncpu cores\t: {cores_per_socket}\n'
                    f'apicid\t\t: {c * 2}\ninitial apicid\t: {c * 2}\nfpu\t\t: yes\nfpu_exception\t: yes\n'
                    f'cpuid level\t: 31\nwp\t\t: yes\nflags\t\t: {FLAGS}\n'
                    f'bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb\n'
                    f'bogomips\t: 4800.00\nclflush size\t: 64\ncache_alignment\t: 64\n'
                    f'address sizes\t: 46 bits physical, 48 bits virtual\npower management:\n')
        sched.append(f'cpu{c} 0 0 0 0 0 0 {123456789 + c} {2345678 + c} {34567 + c}')
        sched.append(f'domain0 {"f" * ((n + 3) // 4)} ' + ' '.join(['0'] * 45))
        d = os.path.join(sysdir, f'cpu{c}')
        if c:
            write(os.path.join(d, 'online'), '1\n')
        for k, v in {'physical_package_id': socket, 'core_id': core, 'die_id': 0, 'cluster_id': core}.items():
            write(os.path.join(d, 'topology', k), f'{v}\n')
        for k in ('core_throttle_count', 'package_throttle_count'):
            write(os.path.join(d, 'thermal_throttle', k), '0\n')
        for k, v in dict(CPUFREQ, cpuinfo_cur_freq=str(2400000 + c), scaling_cur_freq=str(2400000 + c),
                         related_cpus=str(c), affected_cpus=str(c)).items():
            write(os.path.join(d, 'cpufreq', k), v + '\n')
    stat += [f'intr {n * 100000} ' + ' '.join(['0'] * 64), f'ctxt {n * 987654}', 'btime 1700000000',
             f'processes {n * 1000}', 'procs_running 3', 'procs_blocked 0',
             f'softirq {n * 5000} ' + ' '.join(str(n * 500) for _ in SOFTIRQS)]
    write(os.path.join(root, 'proc/stat'), '\n'.join(stat) + '\n')
    write(os.path.join(root, 'proc/cpuinfo'), '\n'.join(info) + '\n')
    write(os.path.join(root, 'proc/schedstat'), '\n'.join(sched) + '\n')
    # The kernel's layouts: fs/proc/softirqs.c, kernel/irq/proc.c (prec 3).
    cpu_header = ''.join(f'CPU{c:<8}' for c in range(n))
    write(os.path.join(root, 'proc/softirqs'),
          ' ' * 20 + cpu_header + '\n' + ''.join(f'{name:>12}:' + ''.join(f' {(c + 1) * (i + 3):>10}' for c in range(n))
                                                  + '\n' for i, name in enumerate(SOFTIRQS)))
    per_cpu = lambda f: ''.join(f'{f(c):>10} ' for c in range(n))
    irqs = [f'{irq:>3}: {per_cpu(lambda c, irq=irq: (c == irq % n) * (1000 + irq))} IR-PCI-MSI {irq}-edge '
            f'nvme0q{irq}' for irq in range(min(n, 64))]
    named = [('NMI', 'Non-maskable interrupts'), ('LOC', 'Local timer interrupts'),
             ('RES', 'Rescheduling interrupts'), ('CAL', 'Function call interrupts'),
             ('TLB', 'TLB shootdowns'), ('MCE', 'Machine check exceptions')]
    irqs += [f'{k:>3}: {per_cpu(lambda c: 100 + c)}  {desc}' for k, desc in named]
    irqs += [f'ERR: {0:>10}', f'MIS: {0:>10}']
    write(os.path.join(root, 'proc/interrupts'), ' ' * 11 + cpu_header + '\n' + '\n'.join(irqs) + '\n')
    last = n - 1
    for k, v in {'online': f'0-{last}', 'present': f'0-{last}', 'possible': f'0-{last}', 'offline': ''}.items():
        write(os.path.join(sysdir, k), v + '\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nics', type=int, default=1000)
    ap.add_argument('--disks', type=int, default=1000)
    ap.add_argument('--hwmon', type=int, default=200)
    ap.add_argument('--cpus', type=int, default=0)
    ap.add_argument('out')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    nics(args.out, args.nics)
    disks(args.out, args.disks)
    hwmon(args.out, args.hwmon)
    if args.cpus:
        cpus(args.out, args.cpus)


if __name__ == '__main__':
    main()
