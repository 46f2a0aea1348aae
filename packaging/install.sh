#!/usr/bin/env bash
# Installs (or removes) node-agent and starts it: the engine of the cluster.yaml
# one-liner (packaging/examples/cluster-*.yaml). Idempotent: running it again
# with the same package changes nothing and never starts a second agent.
#
#   install.sh PACKAGE          PACKAGE: node-agent-*.rpm (dnf, else yum, else rpm),
#                               node-agent_*.deb (apt-get, else dpkg) or
#                               node-agent-*.tar.gz (copies the static binary, unit,
#                               sysusers.d entry and flags file into place)
#   install.sh --uninstall      stops the agent and removes what was installed
#                               (the package, or the tarball's files); a flags file
#                               you changed and the node-agent user stay
# Options (or environment):
#   --root DIR     (NODE_AGENT_ROOT)        tarball only: install under DIR, not /
#   --no-systemd   (NODE_AGENT_NO_SYSTEMD=1) start detached even where systemd runs
#
# Where PID 1 is systemd (and neither option is given) the node-agent service is
# enabled and started; upgrades restart it. Elsewhere (containers) the agent is
# started detached (setsid, nohup) with the flags file's NODE_AGENT_ARGS, its pid in
# ROOT/run/node-agent.pid and its output in ROOT/var/log/node-agent.log.
set -euo pipefail

me=install.sh
log() { echo "$me: $*" >&2; }
die() { echo "$me: error: $*" >&2; exit 1; }

root=${NODE_AGENT_ROOT:-}
no_systemd=${NODE_AGENT_NO_SYSTEMD:-}
uninstall=
pkg=
while [ $# -gt 0 ]; do
  case $1 in
    --uninstall) uninstall=1 ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift ;;
    --root=*) root=${1#--root=} ;;
    --no-systemd) no_systemd=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$pkg" ] || die "one package at a time"; pkg=$1 ;;
  esac
  shift
done
if [ -n "$root" ]; then
  mkdir -p "$root" || die "cannot create --root $root"
  root=$(cd "$root" && pwd)
  [ "$root" = / ] && root=
fi

bin=$root/usr/bin/node-agent
pidfile=$root/run/node-agent.pid
logfile=$root/var/log/node-agent.log
state=$root/var/lib/node-agent
manifest=$state/tarball-files

use_systemd() {
  [ -z "$root" ] && [ -z "$no_systemd" ] && [ -d /run/systemd/system ]
}
need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root: run it with sudo"
}
deb_installed() {
  [ -z "$root" ] && command -v dpkg-query >/dev/null &&
    dpkg-query -W -f='${Status}' node-agent 2>/dev/null | grep -q 'install ok installed'
}
rpm_installed() {
  [ -z "$root" ] && command -v rpm >/dev/null && rpm -q node-agent >/dev/null 2>&1
}
flags_file() {  # the flags file the unit reads, wherever this install put it
  local f
  for f in "$root/etc/sysconfig/node-agent" "$root/etc/default/node-agent"; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
}

# --- the detached agent (no systemd) ---------------------------------------------
detached_pid() {  # the running detached agent's pid, if any
  local pid exe
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  case $exe in "$bin"|"$bin (deleted)") echo "$pid" ;; *) return 1 ;; esac
}
stop_detached() {
  local pid
  pid=$(detached_pid) || { rm -f "$pidfile"; return 0; }
  log "stopping node-agent (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
}
start_detached() {
  local pid args flags
  if pid=$(detached_pid); then
    if [ "$(readlink "/proc/$pid/exe")" = "$bin" ]; then
      log "node-agent already running (pid $pid, $pidfile)"
      return 0
    fi
    log "node-agent binary changed: restarting"
    stop_detached
  fi
  flags=$(flags_file)
  # shellcheck disable=SC1090  # the flags file is shell (KEY="value"), as for EnvironmentFile=
  args=$( [ -n "$flags" ] && . "$flags"; printf '%s' "${NODE_AGENT_ARGS:-}" ) ||
    die "cannot read $flags"
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  local launcher=(nohup)
  command -v setsid >/dev/null && launcher=(setsid nohup)
  # Word splitting of $args is wanted: it is a flag list, as in the unit's ExecStart.
  # shellcheck disable=SC2086
  "${launcher[@]}" "$bin" $args >>"$logfile" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  sleep 1
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pidfile"
    tail -n 20 "$logfile" >&2 || true
    die "node-agent exited at start (log: $logfile)"
  fi
  log "node-agent started detached (pid $pid, pid file $pidfile, log $logfile)"
}

# --- systemd -----------------------------------------------------------------------
start_systemd() {  # $1: restart too (the binary changed outside a package manager)
  systemctl daemon-reload
  systemctl enable node-agent.service >/dev/null 2>&1 || die "systemctl enable node-agent failed"
  if [ "${1:-}" = restart ]; then
    systemctl restart node-agent.service || true
  else
    systemctl start node-agent.service || true
  fi
  sleep 1
  if ! systemctl is-active --quiet node-agent.service; then
    systemctl status --no-pager node-agent.service >&2 || true
    die "node-agent.service is not running (journalctl -u node-agent)"
  fi
  log "node-agent.service enabled and running"
}
create_user() {
  id node-agent >/dev/null 2>&1 && return 0
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers node-agent.conf
  elif command -v useradd >/dev/null; then
    getent group node-agent >/dev/null || groupadd -r node-agent
    useradd -r -g node-agent -d / -s /sbin/nologin -c "node-agent metrics exporter" node-agent
  elif command -v adduser >/dev/null; then
    adduser --system --group --home / --no-create-home node-agent >/dev/null
  else
    die "cannot create the node-agent user (no systemd-sysusers, useradd or adduser)"
  fi
}

# --- tarball -----------------------------------------------------------------------
install_tarball() {
  local dir changed='' flags man
  [ -n "$root" ] || need_root "installing $pkg"
  if deb_installed || rpm_installed; then
    die "node-agent is installed as a package; remove it first ($me --uninstall)"
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "${tmp:-}"' EXIT
  tar -xzf "$pkg" -C "$tmp" || die "cannot unpack $pkg"
  dir=$(find "$tmp" -mindepth 2 -maxdepth 2 -name node-agent -type f -printf '%h\n' | head -n1)
  [ -n "$dir" ] || die "$pkg holds no node-agent binary"
  "$dir/node-agent" --version >/dev/null 2>&1 ||
    die "$pkg's binary does not run on this machine ($(uname -m))"

  mkdir -p "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/usr/lib/sysusers.d" \
           "$root/usr/share/doc/node-agent" "$root/usr/share/man/man1" "$state"
  if ! cmp -s "$dir/node-agent" "$bin"; then
    # A new name then rename: a running agent keeps its (now unlinked) file.
    install -m 0755 "$dir/node-agent" "$bin.new" && mv -f "$bin.new" "$bin"
    changed=1
    log "installed $bin ($("$bin" --version 2>&1 | head -n1))"
  else
    log "$bin is up to date"
  fi
  install -m 0644 "$dir/node-agent.service" "$root/usr/lib/systemd/system/node-agent.service"
  install -m 0644 "$dir/node-agent.sysusers" "$root/usr/lib/sysusers.d/node-agent.conf"
  install -m 0644 "$dir/LICENSE" "$dir/README.md" "$root/usr/share/doc/node-agent/"
  # Older tarballs have no man page.
  man=
  if [ -f "$dir/node-agent.1.gz" ]; then
    install -m 0644 "$dir/node-agent.1.gz" "$root/usr/share/man/man1/node-agent.1.gz"
    man=/usr/share/man/man1/node-agent.1.gz
  fi
  flags=$(flags_file)
  if [ -z "$flags" ]; then
    if [ -d "$root/etc/sysconfig" ] && [ ! -f "$root/etc/debian_version" ]; then
      flags=$root/etc/sysconfig/node-agent
    else
      flags=$root/etc/default/node-agent
    fi
    install -D -m 0644 "$dir/node-agent.flags" "$flags"
    log "installed flags file $flags"
  else
    log "keeping flags file $flags"
  fi
  # What --uninstall removes; the pristine flags file tells it whether yours changed.
  install -m 0644 "$dir/node-agent.flags" "$state/node-agent.flags.dist"
  printf '%s\n' /usr/bin/node-agent /usr/lib/systemd/system/node-agent.service \
    /usr/lib/sysusers.d/node-agent.conf /usr/share/doc/node-agent/LICENSE \
    /usr/share/doc/node-agent/README.md ${man:+"$man"} "${flags#"$root"}" >"$manifest"

  if use_systemd; then
    create_user
    start_systemd ${changed:+restart}
  else
    start_detached
  fi
}

# --- packages ----------------------------------------------------------------------
install_rpm() {
  need_root "installing $pkg"
  if command -v dnf >/dev/null; then
    dnf install -y "$pkg" || die "dnf install $pkg failed"
  elif command -v yum >/dev/null; then
    yum install -y "$pkg" || die "yum install $pkg failed"
  elif command -v rpm >/dev/null; then
    if [ "$(rpm -q --qf '%{VERSION}-%{RELEASE}' node-agent 2>/dev/null)" = \
         "$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$pkg")" ]; then
      log "node-agent $(rpm -q node-agent) is already installed"
    else
      rpm -U "$pkg" || die "rpm -U $pkg failed"
    fi
  else
    die "no dnf, yum or rpm here: use the .deb or the .tar.gz"
  fi
}
install_deb() {
  need_root "installing $pkg"
  export DEBIAN_FRONTEND=noninteractive
  # Keep a changed /etc/default/node-agent on upgrade without asking.
  local keep=(-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if command -v apt-get >/dev/null; then
    apt-get install -y -q "${keep[@]}" "$pkg" || die "apt-get install $pkg failed"
  elif command -v dpkg >/dev/null; then
    dpkg -i --force-confdef --force-confold "$pkg" || die "dpkg -i $pkg failed"
  else
    die "no apt-get or dpkg here: use the .rpm or the .tar.gz"
  fi
}
after_package() {
  [ -x "$bin" ] || die "the package installed no $bin"
  if use_systemd; then
    start_systemd
  else
    start_detached
  fi
}

# --- uninstall ---------------------------------------------------------------------
uninstall() {
  local f flags
  [ -n "$root" ] || need_root "--uninstall"
  stop_detached
  if deb_installed; then
    log "removing the node-agent package (apt-get remove)"
    if command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get remove -y -q node-agent || die "apt-get remove node-agent failed"
    else
      dpkg -r node-agent || die "dpkg -r node-agent failed"
    fi
  elif rpm_installed; then
    log "removing the node-agent package"
    if command -v dnf >/dev/null; then
      dnf remove -y node-agent || die "dnf remove node-agent failed"
    else
      rpm -e node-agent || die "rpm -e node-agent failed"
    fi
  elif [ -f "$manifest" ]; then
    if use_systemd; then
      systemctl disable --now node-agent.service >/dev/null 2>&1 || true
    fi
    flags=
    while IFS= read -r f; do
      case $f in
        /etc/*)
          if cmp -s "$root$f" "$state/node-agent.flags.dist"; then
            rm -f "$root$f"
          elif [ -f "$root$f" ]; then
            flags=$root$f
          fi ;;
        *) rm -f "$root$f" ;;
      esac
    done <"$manifest"
    rmdir "$root/usr/share/doc/node-agent" 2>/dev/null || true
    rm -rf "$state"
    use_systemd && systemctl daemon-reload
    [ -n "$flags" ] && log "kept your changed flags file $flags"
    log "removed node-agent (tarball install)"
  else
    log "node-agent is not installed"
    return 0
  fi
  log "node-agent uninstalled"
}

if [ -n "$uninstall" ]; then
  [ -z "$pkg" ] || die "--uninstall takes no package"
  uninstall
  exit 0
fi
[ -n "$pkg" ] || die "usage: $me PACKAGE (.rpm, .deb or .tar.gz) | --uninstall   (see --help)"
[ -f "$pkg" ] || die "no such file: $pkg"
pkg=$(cd "$(dirname "$pkg")" && pwd)/$(basename "$pkg")
case $pkg in
  *.tar.gz|*.tgz) install_tarball ;;
  *.rpm) [ -z "$root" ] || die "--root is for the tarball only"; install_rpm; after_package ;;
  *.deb) [ -z "$root" ] || die "--root is for the tarball only"; install_deb; after_package ;;
  *) die "$pkg: not a .rpm, .deb or .tar.gz" ;;
esac
