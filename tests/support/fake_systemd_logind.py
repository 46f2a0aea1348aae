#!/usr/bin/python3
"""A small systemd (org.freedesktop.systemd1) and logind (org.freedesktop.login1)
on a test's own bus, for the systemd and logind collectors' tests: the calls
those collectors make (ListUnits, the unit and manager properties, ListSeats,
ListSessions, session properties) over a fixed set of units and sessions.

    fake_systemd_logind.py BUS_ADDRESS [--version V] [--virtualization V]
                           [--system-state S] [--listen ADDRESS]

Prints "ready" once both names are owned (or, with --listen, once it also
accepts direct connections there, like systemd's /run/systemd/private).
org.nodeagent.Test on / reports what was called: Callers() the unique names
that called ListUnits or ListSessions, Gets() every "PATH IFACE.PROP" asked,
Reset() forgets both.

Needs Debian's python3-dbus and python3-gi (run with /usr/bin/python3).
"""
import argparse
import sys

import dbus
import dbus.mainloop.glib
import dbus.server
import dbus.service
from gi.repository import GLib

SYSTEMD = "org.freedesktop.systemd1"
LOGIND = "org.freedesktop.login1"
PROPS = "org.freedesktop.DBus.Properties"
UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"
UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"
MAX64 = 2**64 - 1

U32, U64 = dbus.UInt32, dbus.UInt64
UNIT_IFACE = SYSTEMD + ".Unit"


def unit(name, load, active, props=None, start=0):
    kind = name.rsplit(".", 1)[1].capitalize()
    return {"name": name, "load": load, "active": active,
            "props": {SYSTEMD + "." + kind: props or {},
                      UNIT_IFACE: {"ActiveEnterTimestamp": U64(start)}}}


# Listed out of name order: the collector sorts.
UNITS = [
    unit("ssh.service", "loaded", "active",
         {"Type": "notify", "NRestarts": U32(3), "TasksCurrent": U64(2), "TasksMax": U64(4915)},
         start=1700000000123456),
    unit("cron.service", "loaded", "failed",
         {"Type": "simple", "NRestarts": U32(0), "TasksCurrent": U64(MAX64), "TasksMax": U64(MAX64)}),
    unit("apt-daily.timer", "loaded", "active", {"LastTriggerUSec": U64(1700000000500000)},
         start=1600000000000000),
    unit("dbus.socket", "loaded", "active",
         {"NAccepted": U32(10), "NConnections": U32(2), "NRefused": U32(1)}, start=1500000000000000),
    # Before systemd 239: no NRefused.
    unit("old.socket", "loaded", "inactive", {"NAccepted": U32(5), "NConnections": U32(0)}),
    unit("home.mount", "loaded", "active", {"Type": "ext4"}, start=1400000000000000),
    unit("init.scope", "loaded", "active"),
    unit("missing.service", "not-found", "inactive"),
    unit("reload.service", "loaded", "reloading", {"Type": "oneshot"}),
    unit("dev-sda.device", "loaded", "activating"),
    unit("weird.target", "loaded", "deactivating"),
]

SEATS = ["seat0"]
# id, uid, user, seat, properties (None: the property is missing)
SESSIONS = [
    ("1", 1000, "alice", "seat0", {"Remote": False, "Type": "x11", "Class": "user"}),
    ("2", 1001, "bob", "", {"Remote": True, "Type": "tty", "Class": "user"}),
    ("3", 1002, "carol", "", {"Remote": True, "Type": "tty", "Class": "user"}),
    ("c1", 120, "gdm", "seat0", {"Remote": False, "Type": "wayland", "Class": "greeter"}),
    ("4", 1003, "dave", "", {"Remote": True, "Type": "brand-new", "Class": "manager"}),
    ("5", 1004, "erin", "seat9", {"Remote": False, "Type": "tty", "Class": "user"}),
    ("6", 1005, "frank", "", {"Type": "tty", "Class": "user"}),
]


def escape(name):
    """systemd's bus path escaping of a unit name or session id."""
    out = []
    for i, c in enumerate(name):
        if c.isascii() and (c.isalpha() or (c.isdigit() and i > 0)):
            out.append(c)
        else:
            out.append("_%02x" % ord(c))
    return "".join(out)


def unit_path(u):
    return "/org/freedesktop/systemd1/unit/" + escape(u["name"])


def session_path(sid):
    return "/org/freedesktop/login1/session/" + escape(sid)


class Recorder(dbus.service.Object):
    def __init__(self, conn, path="/"):
        super().__init__(conn, path)
        self.callers = []
        self.gets = []

    @dbus.service.method("org.nodeagent.Test", out_signature="as")
    def Callers(self):
        return self.callers

    @dbus.service.method("org.nodeagent.Test", out_signature="as")
    def Gets(self):
        return self.gets

    @dbus.service.method("org.nodeagent.Test")
    def Reset(self):
        self.callers.clear()
        self.gets.clear()

    def caller(self, sender):
        if sender and sender not in self.callers:
            self.callers.append(sender)


class Systemd(dbus.service.FallbackObject):
    def __init__(self, conn, rec, manager):
        super().__init__(conn, "/org/freedesktop/systemd1")
        self.rec = rec
        self.manager = manager
        self.by_path = {unit_path(u): u for u in UNITS}

    @dbus.service.method(SYSTEMD + ".Manager", out_signature="a(ssssssouso)", sender_keyword="sender")
    def ListUnits(self, sender=None):
        self.rec.caller(sender)
        return [(u["name"], "desc", u["load"], u["active"], "sub", "", dbus.ObjectPath(unit_path(u)),
                 U32(0), "", dbus.ObjectPath("/")) for u in UNITS]

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v", path_keyword="path")
    def Get(self, iface, prop, path=None):
        self.rec.gets.append("%s %s.%s" % (path, iface, prop))
        if path == "/org/freedesktop/systemd1":
            props = self.manager if iface == SYSTEMD + ".Manager" else {}
        elif path in self.by_path:
            props = self.by_path[path]["props"].get(iface, {})
        else:
            raise dbus.exceptions.DBusException("no such unit", name=UNKNOWN_OBJECT)
        if prop not in props:
            raise dbus.exceptions.DBusException("no property " + prop, name=UNKNOWN_PROPERTY)
        return props[prop]


class Logind(dbus.service.FallbackObject):
    def __init__(self, conn, rec):
        super().__init__(conn, "/org/freedesktop/login1")
        self.rec = rec
        self.by_path = {session_path(s[0]): s for s in SESSIONS}

    @dbus.service.method(LOGIND + ".Manager", out_signature="a(so)")
    def ListSeats(self):
        return [(s, dbus.ObjectPath("/org/freedesktop/login1/seat/" + escape(s))) for s in SEATS]

    @dbus.service.method(LOGIND + ".Manager", out_signature="a(susso)", sender_keyword="sender")
    def ListSessions(self, sender=None):
        self.rec.caller(sender)
        return [(sid, U32(uid), user, seat, dbus.ObjectPath(session_path(sid)))
                for sid, uid, user, seat, _ in SESSIONS]

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v", path_keyword="path")
    def Get(self, iface, prop, path=None):
        self.rec.gets.append("%s %s.%s" % (path, iface, prop))
        s = self.by_path.get(path)
        if s is None or iface != LOGIND + ".Session" or prop not in s[4]:
            raise dbus.exceptions.DBusException("no property " + prop, name=UNKNOWN_PROPERTY)
        v = s[4][prop]
        return dbus.Boolean(v) if isinstance(v, bool) else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bus")
    ap.add_argument("--version", default="252.22-1~deb12u1")
    ap.add_argument("--virtualization", default="kvm")
    ap.add_argument("--system-state", default="running")
    ap.add_argument("--listen", help="also serve systemd on this address, peer to peer")
    args = ap.parse_args()
    manager = {"Version": args.version, "Virtualization": args.virtualization,
               "SystemState": args.system_state}

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    loop = GLib.MainLoop()
    bus = dbus.bus.BusConnection(args.bus)
    # The test stops the bus daemon to restart it: end with it.
    bus.call_on_disconnection(lambda _conn: loop.quit())
    rec = Recorder(bus)
    keep = [Systemd(bus, rec, manager), Logind(bus, rec)]
    for name in (SYSTEMD, LOGIND):
        if bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE) != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
            sys.exit("cannot own " + name)

    server = None
    if args.listen:
        server = dbus.server.Server(args.listen)

        def added(conn):
            keep.append(Systemd(conn, rec, manager))

        server.on_connection_added.append(added)
    print("ready", flush=True)
    loop.run()
    del keep, server


if __name__ == "__main__":
    main()
