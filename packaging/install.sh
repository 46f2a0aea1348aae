#!/usr/bin/env bash
# Installs (or removes) node-agent and starts it: the engine of the cluster.yaml
# one-liner (packaging/examples/cluster-*.yaml). Idempotent: running it again
# with the same package changes nothing and never starts a second agent.
#
#   install.sh PACKAGE          PACKAGE: node-agent-*.rpm (dnf, else yum, else rpm),
#                               node-agent_*.deb (apt-get, else dpkg) or
#                               node-agent-*.tar.gz (copies the static binary, unit,
#                               sysusers.d and tmpfiles.d entries and flags file into place)
#   install.sh DIR              the package in DIR for this system: node-agent.rpm where
#                               the system is RPM-based (os-release ID/ID_LIKE, else
#                               dpkg or rpm present: Amazon Linux 2 and 2023, RHEL),
#                               node-agent.deb where it is Debian-based (Ubuntu), else a
#                               node-agent*.tar.gz
#   install.sh --uninstall      stops the agent and removes what was installed
#                               (the package, or the tarball's files); a flags file
#                               you changed and the node-agent user stay
# Options (or environment):
#   --root DIR     (NODE_AGENT_ROOT)        tarball or .deb (dpkg --root): install under DIR
#   --no-systemd   (NODE_AGENT_NO_SYSTEMD=1) start detached even where systemd runs
#   --args FLAGS   (NODE_AGENT_SET_ARGS)    set NODE_AGENT_ARGS in the flags file to FLAGS
#                                           (e.g. "--ray.cluster-name=my-cluster")
#   --lock-timeout SECONDS (NODE_AGENT_LOCK_TIMEOUT, default 900) how long to wait for
#                  a dpkg/apt lock held by another process (unattended-upgrades at the
#                  first boot of Ubuntu AMIs) before failing
#   --dry-run      print the package and the command that would install it, and stop
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
set_args=${NODE_AGENT_SET_ARGS-}
set_args_given=${NODE_AGENT_SET_ARGS+1}
lock_timeout=${NODE_AGENT_LOCK_TIMEOUT:-900}
dry_run=
uninstall=
pkg=
while [ $# -gt 0 ]; do
  case $1 in
    --uninstall) uninstall=1 ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift ;;
    --root=*) root=${1#--root=} ;;
    --no-systemd) no_systemd=1 ;;
    --args) [ $# -ge 2 ] || die "--args needs flags"; set_args=$2; set_args_given=1; shift ;;
    --args=*) set_args=${1#--args=}; set_args_given=1 ;;
    --lock-timeout) [ $# -ge 2 ] || die "--lock-timeout needs seconds"; lock_timeout=$2; shift ;;
    --lock-timeout=*) lock_timeout=${1#--lock-timeout=} ;;
    --dry-run) dry_run=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$pkg" ] || die "one package at a time"; pkg=$1 ;;
  esac
  shift
done
[[ $lock_timeout =~ ^[0-9]+$ ]] || die "--lock-timeout: not a number of seconds: $lock_timeout"
if [ -n "$root" ] && [ -z "$dry_run" ]; then
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
  [ -n "$dry_run" ] || [ "$(id -u)" -eq 0 ] || die "$1 needs root: run it with sudo"
}
deb_installed() {
  command -v dpkg-query >/dev/null &&
    dpkg-query ${root:+--root="$root"} -W -f='${Status}' node-agent 2>/dev/null | grep -q 'install ok installed'
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

# --- which package -----------------------------------------------------------------
# The package family of this system. os-release first: Ubuntu may have rpm
# installed, and Amazon Linux 2 has yum but no dnf, so neither "rpm exists" nor
# "dnf exists" tells the family alone.
package_family() {
  local osr=${NODE_AGENT_OS_RELEASE:-$root/etc/os-release} id='' id_like=''
  if [ -r "$osr" ]; then
    id=$(sed -n 's/^ID=//p' "$osr" | tr -d '"' | head -n1)
    id_like=$(sed -n 's/^ID_LIKE=//p' "$osr" | tr -d '"' | head -n1)
  fi
  case " $id $id_like " in
    *" debian "*|*" ubuntu "*) echo deb; return ;;
    *" rhel "*|*" fedora "*|*" centos "*|*" amzn "*|*" suse "*) echo rpm; return ;;
  esac
  if command -v dpkg >/dev/null; then echo deb
  elif command -v rpm >/dev/null; then echo rpm
  else echo tar.gz
  fi
}
pick_package() {  # $1: a directory holding node-agent.rpm / .deb / *.tar.gz
  local dir=$1 family f
  family=$(package_family)
  case $family in
    rpm|deb) [ -f "$dir/node-agent.$family" ] && { echo "$dir/node-agent.$family"; return; } ;;
  esac
  for f in "$dir"/node-agent*.tar.gz; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  die "$dir has no node-agent.$family (this system installs ${family}s) and no node-agent*.tar.gz"
}

# --- waiting for the package manager's lock ------------------------------------------
# On the first boot of Ubuntu AMIs (the Deep Learning AMIs included)
# unattended-upgrades holds the dpkg lock for minutes. apt-get waits for the
# dpkg lock itself (DPkg::Lock::Timeout) but not for its archives lock, and dpkg
# never waits: retry while the failure is a lock, until lock_timeout.
lock_deadline=
lock_left() { local left=$((lock_deadline - SECONDS)); [ "$left" -gt 0 ] && echo "$left" || echo 0; }
is_lock_error() {
  grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock the administration directory|dpkg frontend lock (was )?locked by another process|dpkg status database is locked by another process' "$1"
}
with_lock_retry() {  # COMMAND...: runs it, again while it fails on a lock
  local out rc
  out=$(mktemp)
  lock_deadline=${lock_deadline:-$((SECONDS + lock_timeout))}
  while true; do
    if "$@" 2>&1 | tee "$out"; then rc=0; else rc=${PIPESTATUS[0]}; fi
    if [ "$rc" -eq 0 ] || ! is_lock_error "$out"; then
      rm -f "$out"
      return "$rc"
    fi
    if [ "$(lock_left)" -le 0 ]; then
      rm -f "$out"
      log "the package manager's lock is still held after ${lock_timeout}s (--lock-timeout)"
      return "$rc"
    fi
    log "the package manager is locked by another process (unattended-upgrades?): waiting, $(lock_left)s left"
    sleep 2
  done
}

# --- the flags file's NODE_AGENT_ARGS ------------------------------------------------
apply_args() {  # sets NODE_AGENT_ARGS; succeeds when the file changed
  local flags line tmp
  [ -n "$set_args_given" ] || return 1
  [[ $set_args != *[\"\$\`\\]* ]] || die "--args: no quotes, \$, \` or backslashes, please"
  flags=$(flags_file)
  [ -n "$flags" ] || die "no flags file to set --args in"
  line="NODE_AGENT_ARGS=\"$set_args\""
  if grep -qxF "$line" "$flags"; then return 1; fi
  tmp=$flags.node-agent-new
  if grep -q '^NODE_AGENT_ARGS=' "$flags"; then
    sed "s|^NODE_AGENT_ARGS=.*|$(printf '%s' "$line" | sed 's/[&|]/\\&/g')|" "$flags" >"$tmp"
  else
    { cat "$flags"; echo "$line"; } >"$tmp"
  fi
  chmod 0644 "$tmp" && mv -f "$tmp" "$flags"
  log "set $line in $flags"
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
create_tmpfiles() {  # /tmp/ray now, as at every boot (packaging/systemd/node-agent.tmpfiles)
  if command -v systemd-tmpfiles >/dev/null; then
    systemd-tmpfiles ${root:+--root="$root"} --create node-agent.conf ||
      log "systemd-tmpfiles --create node-agent.conf failed"
  fi
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
           "$root/usr/lib/tmpfiles.d" "$root/usr/share/doc/node-agent" "$root/usr/share/man/man1" "$state"
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
  if [ -f "$dir/node-agent.tmpfiles" ]; then
    install -m 0644 "$dir/node-agent.tmpfiles" "$root/usr/lib/tmpfiles.d/node-agent.conf"
    create_tmpfiles
  fi
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
    /usr/lib/sysusers.d/node-agent.conf /usr/lib/tmpfiles.d/node-agent.conf /usr/share/doc/node-agent/LICENSE \
    /usr/share/doc/node-agent/README.md ${man:+"$man"} "${flags#"$root"}" >"$manifest"

  apply_args && changed=1
  if use_systemd; then
    create_user
    start_systemd ${changed:+restart}
  else
    [ -n "$changed" ] && stop_detached
    start_detached
  fi
}

# --- packages ----------------------------------------------------------------------
install_rpm() {
  need_root "installing $pkg"
  # dnf and yum wait for each other's lock themselves.
  if command -v dnf >/dev/null; then
    run dnf install -y "$pkg" || die "dnf install $pkg failed"
  elif command -v yum >/dev/null; then
    run yum install -y "$pkg" || die "yum install $pkg failed"
  elif command -v rpm >/dev/null; then
    if [ "$(rpm -q --qf '%{VERSION}-%{RELEASE}' node-agent 2>/dev/null)" = \
         "$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$pkg")" ]; then
      log "node-agent $(rpm -q node-agent) is already installed"
    else
      run rpm -U "$pkg" || die "rpm -U $pkg failed"
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
  lock_deadline=$((SECONDS + lock_timeout))
  if [ -n "$root" ]; then
    # Maintainer scripts run outside the root with DPKG_ROOT set (sysusers --root).
    run with_lock_retry dpkg --root="$root" --force-script-chrootless --log=/dev/null \
      --force-confdef --force-confold -i "$pkg" || die "dpkg --root $root -i $pkg failed"
  elif command -v apt-get >/dev/null; then
    run with_lock_retry apt-get install -y -q -o "DPkg::Lock::Timeout=$(lock_left)" "${keep[@]}" "$pkg" ||
      die "apt-get install $pkg failed"
  elif command -v dpkg >/dev/null; then
    run with_lock_retry dpkg -i --force-confdef --force-confold "$pkg" || die "dpkg -i $pkg failed"
  else
    die "no apt-get or dpkg here: use the .rpm or the .tar.gz"
  fi
}
# run COMMAND...: runs it, or with --dry-run only says what would run.
run() {
  if [ -n "$dry_run" ]; then
    [ "$1" = with_lock_retry ] && shift
    echo "would run: $*"
    return 0
  fi
  "$@"
}
after_package() {
  local changed=''
  [ -x "$bin" ] || die "the package installed no $bin"
  apply_args && changed=1
  if use_systemd; then
    start_systemd ${changed:+restart}
  else
    [ -n "$changed" ] && stop_detached
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
    if [ -n "$root" ]; then
      dpkg --root="$root" --force-script-chrootless --log=/dev/null -r node-agent ||
        die "dpkg --root $root -r node-agent failed"
    elif command -v apt-get >/dev/null; then
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
[ -n "$pkg" ] || die "usage: $me PACKAGE (.rpm, .deb or .tar.gz) | DIR | --uninstall   (see --help)"
if [ -d "$pkg" ]; then
  pkg=$(pick_package "${pkg%/}")
  log "installing $pkg ($(package_family) system)"
fi
[ -f "$pkg" ] || die "no such file: $pkg"
pkg=$(cd "$(dirname "$pkg")" && pwd)/$(basename "$pkg")
case $pkg in
  *.tar.gz|*.tgz)
    if [ -n "$dry_run" ]; then echo "would unpack: $pkg"; exit 0; fi
    install_tarball ;;
  *.rpm) [ -z "$root" ] || die "--root is for the tarball and the .deb only"; install_rpm
         [ -n "$dry_run" ] || after_package ;;
  *.deb) install_deb; [ -n "$dry_run" ] || after_package ;;
  *) die "$pkg: not a .rpm, .deb or .tar.gz" ;;
esac
