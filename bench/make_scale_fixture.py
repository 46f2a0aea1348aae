#!/usr/bin/env python3
"""Generates a fixture tree (proc/, sys/, udev/data) with many NICs, disks and
hwmon chips, laid out like the kernel's and like tests/fixtures, for the
scale runs of bench/compare:

    bench/make_scale_fixture.py --nics 1000 --disks 1000 --hwmon 200 OUT

NICs: /proc/net/dev rows and /sys/class/net/ethN -> ../../devices/virtual/net/ethN
with every attribute netclass reads. Disks: /proc/diskstats rows (nvmeNn1, 20
fields), /sys/block/nvmeNn1/queue/rotational and udev data. hwmon chips:
/sys/class/hwmon/hwmonN -> ../../devices/platform/chipN/hwmon/hwmonN with a name,
two temperatures (input, max, crit, label), a fan and a voltage.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nics', type=int, default=1000)
    ap.add_argument('--disks', type=int, default=1000)
    ap.add_argument('--hwmon', type=int, default=200)
    ap.add_argument('out')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    nics(args.out, args.nics)
    disks(args.out, args.disks)
    hwmon(args.out, args.hwmon)


if __name__ == '__main__':
    main()
