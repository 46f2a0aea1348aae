"""The other end of test_hung_mount.py, run as PID 1 of its own PID and mount
namespaces (unshare --mount --pid --fork --mount-proc) so that the FUSE mount,
and the agent stuck on it, are invisible to everything else on the machine.

usage: hung_mount_server.py MOUNTPOINT AGENT_FLAGS...
Mounts an NFS-like FUSE file system on MOUNTPOINT that it serves itself
(INIT, GETATTR, STATFS), starts the agent with AGENT_FLAGS in the same
namespaces, prints "ready PORT", then reads commands from stdin: "stop" (the
server stops answering, as an NFS or EFS server that is gone; prints
"stopped") and "quit" (or end of input). Prints "error REASON" and exits 3
when the mount is refused."""
import ctypes
import errno
import os
import select
import sys
import struct
import threading

from common import start_agent

FUSE_INIT, FUSE_GETATTR, FUSE_STATFS, FUSE_FORGET, FUSE_BATCH_FORGET = 26, 3, 17, 2, 42
IN_HEADER = struct.Struct('<IIQQIIIHH')  # len opcode unique nodeid uid gid pid total_extlen padding
OUT_HEADER = struct.Struct('<IiQ')  # len error unique
MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2
BLOCKS, FRSIZE = 1 << 20, 4096


class FuseServer:
    """Serves an empty directory on `mountpoint` until stop_answering()."""

    def __init__(self, mountpoint):
        self.mountpoint = mountpoint
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = os.open('/dev/fuse', os.O_RDWR)
        opts = f'fd={self.fd},rootmode=40000,user_id=0,group_id=0'.encode()
        if self.libc.mount(b'nfs-server:/export', mountpoint.encode(), b'fuse.nfslike',
                           MS_NOSUID | MS_NODEV, opts) != 0:
            err = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(err, os.strerror(err))
        self.answering = threading.Event()
        self.answering.set()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def reply(self, unique, payload=b'', error=0):
        os.write(self.fd, OUT_HEADER.pack(OUT_HEADER.size + len(payload), error, unique) + payload)

    def handle(self, opcode, unique, body):
        if opcode == FUSE_INIT:
            major, minor, max_readahead, _ = struct.unpack_from('<IIII', body)
            # fuse_init_out: major minor max_readahead flags max_background
            # congestion_threshold max_write time_gran, then zeros.
            self.reply(unique, struct.pack('<IIIIHHII', 7, min(minor, 31), max_readahead, 0, 16, 12, 4096, 1)
                       .ljust(64, b'\0'))
        elif opcode == FUSE_GETATTR:
            attr = struct.pack('<QQQQQQIIIIIIIIII', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0o40755, 2, 0, 0, 0, 4096, 0)
            self.reply(unique, struct.pack('<QII', 1, 0, 0) + attr)
        elif opcode == FUSE_STATFS:
            self.reply(unique, struct.pack('<QQQQQIIII', BLOCKS, BLOCKS // 2, BLOCKS // 2, 1000, 500,
                                           FRSIZE, 255, FRSIZE, 0).ljust(80, b'\0'))
        elif opcode not in (FUSE_FORGET, FUSE_BATCH_FORGET):
            self.reply(unique, error=-errno.ENOSYS)

    def serve(self):
        # Polls so that, once silent, this thread holds no read on the device:
        # closing the descriptor then aborts the connection.
        while self.answering.is_set():
            if not select.select([self.fd], [], [], 0.05)[0]:
                continue
            try:
                msg = os.read(self.fd, 1 << 18)
            except OSError:
                return
            _, opcode, unique, _, _, _, _, _, _ = IN_HEADER.unpack_from(msg)
            self.handle(opcode, unique, msg[IN_HEADER.size:])

    def stop_answering(self):
        self.answering.clear()
        self.thread.join()

    def close(self):
        self.stop_answering()
        os.close(self.fd)  # aborts the connection: blocked requests fail with ENOTCONN
        self.libc.umount2(self.mountpoint.encode(), MNT_DETACH)


def main():
    mountpoint, flags = sys.argv[1], sys.argv[2:]
    try:
        server = FuseServer(mountpoint)
    except OSError as e:
        print(f'error mount: {e}', flush=True)
        sys.exit(3)
    agent, port = start_agent(*flags)
    print(f'ready {port}', flush=True)
    for line in sys.stdin:
        if line.strip() == 'stop':
            server.stop_answering()
            print('stopped', flush=True)
        elif line.strip() == 'quit':
            break
    server.close()
    agent.stop()


if __name__ == '__main__':
    main()
