#!/usr/bin/env bash
# Tests the artifacts of packaging/package.sh (run it first) in dist/:
#   the static binary (file, readelf, ldd), the unit's systemd-analyze security
#   score, rpmlint and rpm -qpR on the RPM, dpkg-deb --info/--contents (lintian
#   when present) on the DEB, an offline `dnf --installroot` install (and upgrade)
#   of the RPM from a local createrepo_c repository into an empty root, a
#   `dpkg --root` install (upgrade, remove, purge) of the DEB, and install.sh with
#   the tarball into a temporary prefix without systemd (re-run, --uninstall).
# Each check prints "ok", "FAIL" or "skip" (a tool is missing) and a reason;
# exits non-zero when any check failed.
#   tests/packaging/run.sh [DIST_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
dist=$(realpath "${1:-dist}")
arch=$(uname -m)
case $arch in x86_64) deb_arch=amd64 go_arch=amd64 ;; aarch64) deb_arch=arm64 go_arch=arm64 ;; esac
version=$(sed -nE 's/^project\(node-agent VERSION ([^ )]+).*/\1/p' CMakeLists.txt)
rpm_file=$dist/node-agent-$version-1.$arch.rpm
deb_file=$dist/node-agent_${version}_$deb_arch.deb
tar_file=$dist/node-agent-$version.linux-$go_arch.tar.gz
bin_file=$dist/node-agent-$arch

fails=0
ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "skip - $*"; }
check() {  # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1
  shift
  if out=$("$@" 2>&1); then ok "$what"; else fail "$what"; echo "$out" | sed 's/^/       /' | tail -n 30; fi
}
have() { command -v "$1" >/dev/null 2>&1; }
can_chroot() { chroot / true 2>/dev/null; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/node-agent-pkgtest.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  # install.sh's detached agent, if a check left it running.
  [ -f "$tmp/prefix/run/node-agent.pid" ] && kill "$(cat "$tmp/prefix/run/node-agent.pid")" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# serves PORT VERSION [collector]: /metrics answers with node_agent_build_info for
# VERSION (and, if given, that collector succeeded), within 5 s.
serves() {
  local port=$1 want=$2 collector=${3:-} body
  for _ in $(seq 50); do
    if body=$(curl -sf "http://127.0.0.1:$port/metrics"); then
      grep -q "^node_agent_build_info{.*version=\"$want\"" <<<"$body" || { echo "no build_info $want"; return 1; }
      [ -z "$collector" ] && return 0
      grep -q "^node_scrape_collector_success{collector=\"$collector\"} 1" <<<"$body" && return 0
      echo "collector $collector failed"; return 1
    fi
    sleep 0.1
  done
  echo "nothing serves :$port"
  return 1
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# renders_man FILE: man -l renders the gzipped page without a groff warning, and it is
# node-agent(1) with its flags.
renders_man() {
  local text warnings
  [ -f "$1" ] || { echo "no $1"; return 1; }
  text=$(MANWIDTH=100 man -l -P cat "$1" 2>&1) || { echo "$text"; return 1; }
  grep -q '^NAME' <<<"$text" && grep -q 'node-agent - ' <<<"$text" && grep -q -- '--web.listen-address' <<<"$text" &&
    grep -q -- '--collector.cpu' <<<"$text" || { echo "$text" | head -n 20; return 1; }
  warnings=$(MANWIDTH=100 man --warnings -l -P cat "$1" 2>&1 >/dev/null)
  [ -z "$warnings" ] || { echo "$warnings"; return 1; }
}
# check_serves_chrooted DIR: the binary a package installed into DIR/root runs there and
# serves /metrics. chroot: nothing from outside the root (no /proc there, so most
# collectors fail).
check_serves_chrooted() {
  if ! can_chroot; then
    skip "chroot into the root (not permitted here)"
    return
  fi
  local port pid
  port=$(free_port)
  chroot "$1/root" /usr/bin/node-agent --web.listen-address="127.0.0.1:$port" >"$1/chroot.log" 2>&1 &
  pid=$!; pids+=("$pid")
  check "the installed binary runs chrooted in the root and serves /metrics" serves "$port" "$version"
  stop "$pid"
}

for f in "$rpm_file" "$deb_file" "$tar_file" "$bin_file"; do
  [ -f "$f" ] || { fail "$f missing: run packaging/package.sh first"; echo "packaging: $fails failed"; exit 1; }
done

# --- the static binary -------------------------------------------------------------
echo "# $(file -b "$bin_file" | cut -d, -f1-5)"
echo "# size $(stat -c %s "$bin_file") bytes (stripped)"
check "file: statically linked, stripped" \
  bash -c "file -b '$bin_file' | grep -E 'static(ally|-pie) linked' | grep -q ', stripped'"
check "readelf -d: no NEEDED entries" bash -c "! readelf -d '$bin_file' | grep -q NEEDED"
check "ldd: not dynamic" bash -c "ldd '$bin_file' 2>&1 | grep -qE 'not a dynamic executable|statically linked'"

# --- the revision it names -----------------------------------------------------------
# agent/version.cmake runs at every build: the header follows a new commit without a
# reconfigure, and is not rewritten (nothing recompiled) while the revision holds.
version_follows_commits() {
  local repo=$tmp/version-repo out=$tmp/version.h first second stamp
  gen() { cmake -DSOURCE_DIR="$repo" -DVERSION=9.8.7 -DOUTPUT="$out" -P agent/version.cmake; }
  commit() { git -C "$repo" -c user.name=t -c user.email=t@localhost commit -q --allow-empty -m "$1"; }
  git init -q "$repo" && commit one && gen || return 1
  first=$(git -C "$repo" rev-parse --short=12 HEAD)
  grep -q "NODE_AGENT_REVISION \"$first\"" "$out" || { echo "not $first:"; cat "$out"; return 1; }
  grep -q 'NODE_AGENT_VERSION "9.8.7"' "$out" || { echo "no version 9.8.7:"; cat "$out"; return 1; }
  stamp=$(stat -c %y "$out")
  gen && [ "$(stat -c %y "$out")" = "$stamp" ] || { echo "rewritten with the same revision"; return 1; }
  commit two && gen || return 1
  second=$(git -C "$repo" rev-parse --short=12 HEAD)
  grep -q "NODE_AGENT_REVISION \"$second\"" "$out" || { echo "still not $second:"; cat "$out"; return 1; }
}
check "agent/version.cmake: the revision follows a commit, an unchanged one rewrites nothing" version_follows_commits
if head=$(git rev-parse --short=12 HEAD 2>/dev/null); then
  check "--version names the checkout's revision ($head)" \
    bash -c "'$bin_file' --version | grep -qF 'revision: $head)'"
else
  skip "--version revision: not a git checkout"
fi

# What the unit's User=, empty CapabilityBoundingSet= and NoNewPrivileges= leave it:
# as nobody with no capabilities, every collector that works as root works too.
if have setpriv && have curl && [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
  port_root=$(free_port)
  "$bin_file" --web.listen-address="127.0.0.1:$port_root" >"$tmp/root.log" 2>&1 &
  pids+=("$!")
  port_nobody=$(free_port)
  setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs "$bin_file" --web.listen-address="127.0.0.1:$port_nobody" >"$tmp/nobody.log" 2>&1 &
  pids+=("$!")
  unprivileged() {
    serves "$port_root" "$version" && serves "$port_nobody" "$version" || return 1
    diff <(curl -sf "http://127.0.0.1:$port_root/metrics" | grep '^node_scrape_collector_success') \
         <(curl -sf "http://127.0.0.1:$port_nobody/metrics" | grep '^node_scrape_collector_success')
  }
  check "unprivileged (nobody, no capabilities, no_new_privs): the same collectors succeed as for root" unprivileged
  for p in "${pids[@]: -2}"; do stop "$p"; done
  # The head node: Ray's /tmp/ray belongs to the Ray user (uid 1000 on the AMIs) and Ray
  # makes it mode 0777; the agent's own user writes its file_sd fragment there.
  ray=$tmp/ray
  chmod 0711 "$tmp"   # nobody must reach $tmp/ray, as it reaches /tmp/ray
  mkdir -m 0777 "$ray" && chown 1000:1000 "$ray" && chmod 0777 "$ray"
  echo '[{"labels": {"job": "ray"}, "targets": ["127.0.0.1:8080", "10.0.1.57:8080"]}]' \
    >"$ray/prom_metrics_service_discovery.json"
  chmod 0644 "$ray/prom_metrics_service_discovery.json"
  port=$(free_port)
  setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs "$bin_file" --web.listen-address="127.0.0.1:$port" \
    --ray.sd-file="$ray/prom_metrics_service_discovery.json" >"$tmp/ray.log" 2>&1 &
  pid=$!; pids+=("$pid")
  ray_fragment() {
    local _
    for _ in $(seq 50); do
      if grep -q "10.0.1.57:$port" "$ray/node_agent_service_discovery.json" 2>/dev/null; then
        [ "$(stat -c %a "$ray/node_agent_service_discovery.json")" = 644 ] && return 0
        echo "fragment not mode 0644"; return 1
      fi
      sleep 0.1
    done
    cat "$tmp/ray.log"; return 1
  }
  check "unprivileged: writes the file_sd fragment (0644) into a Ray-owned mode 0777 /tmp/ray" ray_fragment
  stop "$pid"
else
  skip "unprivileged run (needs root, setpriv, curl, a nobody user)"
fi

# --- the unit ----------------------------------------------------------------------
unit=packaging/systemd/node-agent.service
if have systemd-analyze && systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
  line=$(systemd-analyze security --offline=true "$unit" 2>&1 | grep 'Overall exposure level')
  echo "# $line"
  score=$(sed -nE 's/.*: ([0-9.]+) ([A-Z]+).*/\1 \2/p' <<<"$line")
  case ${score#* } in
    PERFECT|SAFE|OK) ok "systemd-analyze security --offline: $score" ;;
    *) fail "systemd-analyze security --offline: '$score', want OK or better" ;;
  esac
  # The unit must name only options this systemd knows.
  check "systemd-analyze security: no unknown settings" \
    bash -c "! systemd-analyze security --offline=true '$unit' 2>&1 | grep -qiE 'unknown (key|lvalue)'"
else
  skip "systemd-analyze security --offline (systemd-analyze missing or older than 252)"
fi

# --- the man page in each package's payload ----------------------------------------
if have man; then
  m=$tmp/man
  mkdir -p "$m/rpm" "$m/deb" "$m/tar"
  if have rpm2cpio && have cpio; then
    (cd "$m/rpm" && rpm2cpio "$rpm_file" | cpio -idm --quiet './usr/share/man/man1/node-agent.1.gz')
    check "man -l renders node-agent(1) from the RPM's payload" renders_man "$m/rpm/usr/share/man/man1/node-agent.1.gz"
  else
    skip "the RPM's man page (needs rpm2cpio, cpio)"
  fi
  dpkg-deb -x "$deb_file" "$m/deb"
  check "man -l renders node-agent(1) from the DEB's payload" renders_man "$m/deb/usr/share/man/man1/node-agent.1.gz"
  tar -xzf "$tar_file" -C "$m/tar"
  check "man -l renders node-agent(1) from the tarball" renders_man "$m/tar/node-agent-$version.linux-$go_arch/node-agent.1.gz"
  check "the man page names the package's version" bash -c \
    "zcat '$m/deb/usr/share/man/man1/node-agent.1.gz' | grep -q '^\.TH .*node\\\\-agent $version\"'"
else
  skip "man -l on the packages' man page (man-db missing)"
fi

# --- RPM ---------------------------------------------------------------------------
if have rpm; then
  reqs=$(rpm -qpR "$rpm_file" 2>&1)
  check "rpm -qpR: no shared libraries, no glibc/rtld" bash -c "! grep -qE '\\.so|rtld|libc' <<<'$reqs'"
  check "rpm -qpc: /etc/sysconfig/node-agent is %config(noreplace)" \
    bash -c "rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' '$rpm_file' | grep -qx '/etc/sysconfig/node-agent cn'"
  check "rpm -qpl: binary, unit, sysusers.d, tmpfiles.d, license, man page" bash -c "
    l=\$(rpm -qpl '$rpm_file')
    for f in /usr/bin/node-agent /usr/lib/systemd/system/node-agent.service \
             /usr/lib/sysusers.d/node-agent.conf /usr/lib/tmpfiles.d/node-agent.conf \
             /usr/share/licenses/node-agent/LICENSE \
             /usr/share/man/man1/node-agent.1.gz; do
      grep -qx \"\$f\" <<<\"\$l\" || { echo \"missing \$f\"; exit 1; }
    done"
  check "rpm scriptlets: preset on install, restart on upgrade, sysusers, tmpfiles" bash -c "
    s=\$(rpm -qp --scripts '$rpm_file')
    grep -q 'preset node-agent.service' <<<\"\$s\" && grep -q 'try-restart node-agent.service' <<<\"\$s\" &&
    grep -q 'systemd-sysusers' <<<\"\$s\" && grep -q 'systemd-tmpfiles --create node-agent.conf' <<<\"\$s\" &&
    ! grep -q 'systemctl.* enable' <<<\"\$s\""
else
  skip "rpm checks (rpm missing)"
fi
if have rpmlint; then
  lint=$(rpmlint -r packaging/rpm/node-agent.rpmlintrc "$rpm_file" 2>&1)
  echo "# rpmlint: $(tail -n1 <<<"$lint")"
  if grep -qE ' 0 errors' <<<"$lint"; then ok "rpmlint: no errors"; else fail "rpmlint"; echo "$lint"; fi
else
  skip "rpmlint (missing)"
fi

# --- DEB ---------------------------------------------------------------------------
info=$(dpkg-deb --info "$deb_file")
contents=$(dpkg-deb --contents "$deb_file")
deb_fields() {
  [ "$(dpkg-deb -f "$deb_file" Package)" = node-agent ] && [ "$(dpkg-deb -f "$deb_file" Version)" = "$version" ] &&
    [ "$(dpkg-deb -f "$deb_file" Architecture)" = "$deb_arch" ] && [ -z "$(dpkg-deb -f "$deb_file" Depends)" ] &&
    grep -q '^ Installed-Size: [0-9]' <<<"$info"
}
check "dpkg-deb --info: package, version, architecture, no Depends" deb_fields
check "dpkg-deb: conffiles is /etc/default/node-agent" \
  bash -c "[ \"\$(dpkg-deb -I '$deb_file' conffiles)\" = /etc/default/node-agent ]"
deb_contents() {
  local f
  for f in ./usr/bin/node-agent ./usr/lib/systemd/system/node-agent.service \
           ./usr/lib/sysusers.d/node-agent.conf ./usr/lib/tmpfiles.d/node-agent.conf ./etc/default/node-agent \
           ./usr/share/doc/node-agent/copyright \
           ./usr/share/man/man1/node-agent.1.gz; do
    grep -q " $f\$" <<<"$contents" || { echo "missing $f"; return 1; }
  done
  ! grep -v ' root/root ' <<<"$contents" | grep -q .
}
check "dpkg-deb --contents: binary, unit, sysusers.d, tmpfiles.d, flags, copyright, man page; root-owned" deb_contents
if have lintian; then
  lint=$(lintian "$deb_file" 2>&1)
  echo "# lintian: $(grep -c '^E:' <<<"$lint") errors, $(grep -c '^W:' <<<"$lint") warnings"
  if grep -q '^E:' <<<"$lint"; then fail "lintian: errors"; grep '^E:' <<<"$lint"; else ok "lintian: no errors"; fi
else
  skip "lintian (missing)"
fi

# --- dnf --installroot, offline ----------------------------------------------------
if have dnf && have createrepo_c && have rpmbuild && [ -x /bin/busybox ] && have curl; then
  r=$tmp/dnf
  mkdir -p "$r/repo" "$r/root"
  # What the AL2023 base image provides and dnf would otherwise look for: a real
  # /bin/sh (busybox, static) so that the RPM's scriptlets run in the empty root.
  cat >"$r/base.spec" <<'EOF'
%global debug_package %{nil}
%global __os_install_post %{nil}
Name: node-agent-test-base
Version: 1
Release: 1
Summary: Test only: stands in for the Amazon Linux 2023 base image
License: GPL-2.0-only
AutoReqProv: no
Provides: /bin/sh
Provides: systemd
Provides: shadow-utils
%description
Test only.
%install
install -D -m 0755 /bin/busybox %{buildroot}/bin/sh
%files
/bin/sh
EOF
  dnf_opts=(-y -q --installroot="$r/root" --releasever=2023 --setopt=reposdir=/nonexistent
            --setopt=install_weak_deps=False --setopt=metadata_expire=0 --nogpgcheck
            --repofrompath="local,file://$r/repo" --repo=local)
  if rpmbuild -bb --quiet --target "$arch" --define "_topdir $r/top" --define "_rpmdir $r/repo" \
       --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" "$r/base.spec" >"$r/log" 2>&1 &&
     cp "$rpm_file" "$r/repo/" && createrepo_c -q "$r/repo"; then
    check "dnf --installroot install node-agent (offline, local createrepo_c repo)" \
      dnf "${dnf_opts[@]}" install node-agent
    check "rpmdb in the root has node-agent $version" \
      bash -c "[ \"\$(rpm --root '$r/root' -q --qf '%{VERSION}' node-agent)\" = '$version' ]"
    check "installed: /usr/bin/node-agent, unit, /etc/sysconfig/node-agent" \
      test -x "$r/root/usr/bin/node-agent" -a -f "$r/root/usr/lib/systemd/system/node-agent.service" \
           -a -f "$r/root/etc/sysconfig/node-agent" -a -f "$r/root/usr/lib/sysusers.d/node-agent.conf"
    check_serves_chrooted "$r"
    port=$(free_port)
    "$r/root/usr/bin/node-agent" --web.listen-address="127.0.0.1:$port" >"$r/run.log" 2>&1 &
    pid=$!; pids+=("$pid")
    check "the installed binary serves this host's /metrics (cpu collector ok)" serves "$port" "$version" cpu
    stop "$pid"
    # Upgrade keeps a changed flags file.
    echo 'NODE_AGENT_ARGS="--collector.cpu.info"' >"$r/root/etc/sysconfig/node-agent"
    up=$version.1
    if BINARY="$bin_file" DIST="$r/dist2" packaging/package.sh "$up" >"$r/pkg2.log" 2>&1 &&
       cp "$r/dist2/node-agent-$up-1.$arch.rpm" "$r/repo/" && createrepo_c -q --update "$r/repo"; then
      check "dnf --installroot upgrade to $up" dnf "${dnf_opts[@]}" upgrade node-agent
      check "upgrade kept the changed /etc/sysconfig/node-agent" \
        bash -c "grep -q cpu.info '$r/root/etc/sysconfig/node-agent' && [ \"\$(rpm --root '$r/root' -q --qf '%{VERSION}' node-agent)\" = '$up' ]"
      check "dnf --installroot remove node-agent" dnf "${dnf_opts[@]}" remove node-agent
      check "removed: /usr/bin/node-agent gone, changed flags file saved as .rpmsave" \
        bash -c "[ ! -e '$r/root/usr/bin/node-agent' ] && [ -f '$r/root/etc/sysconfig/node-agent.rpmsave' ]"
    else
      fail "packaging $up for the upgrade test"; cat "$r/pkg2.log"
    fi
  else
    fail "building the test base package or the repo"; cat "$r/log"
  fi
else
  skip "dnf --installroot (needs dnf, createrepo_c, rpmbuild, busybox-static, curl)"
fi

# --- dpkg --root -------------------------------------------------------------------
if have dpkg && have curl; then
  d=$tmp/deb
  mkdir -p "$d/root/var/lib/dpkg/info" "$d/root/var/lib/dpkg/updates" "$d/root/etc"
  touch "$d/root/var/lib/dpkg/status"
  # Maintainer scripts run outside the root with DPKG_ROOT set, as in a
  # dpkg --root bootstrap: the user goes into ROOT/etc/passwd via systemd-sysusers --root.
  dpkg_root=(dpkg --root="$d/root" --force-script-chrootless --log=/dev/null)
  check "dpkg --root -i node-agent.deb" "${dpkg_root[@]}" -i "$deb_file"
  check "dpkg --root: node-agent $version installed" \
    bash -c "dpkg-query --root='$d/root' -W -f='\${Status} \${Version}' node-agent | grep -qx 'install ok installed $version'"
  if have systemd-sysusers; then
    check "postinst created the node-agent system user (sysusers.d)" \
      bash -c "grep -q '^node-agent:x:[0-9]*:[0-9]*:.*:/:/usr/sbin/nologin' '$d/root/etc/passwd'"
  fi
  if have systemd-tmpfiles; then
    check "postinst created /tmp/ray 0777 in the root (tmpfiles.d)" \
      bash -c "[ \"\$(stat -c %a '$d/root/tmp/ray')\" = 777 ]"
  fi
  check_serves_chrooted "$d"
  echo 'NODE_AGENT_ARGS="--collector.cpu.info"' >"$d/root/etc/default/node-agent"
  up=$version.1
  if [ -f "$tmp/dnf/dist2/node-agent_${up}_$deb_arch.deb" ] ||
     BINARY="$bin_file" DIST="$tmp/dnf/dist2" packaging/package.sh "$up" >"$d/pkg2.log" 2>&1; then
    check "dpkg --root upgrade to $up" "${dpkg_root[@]}" -i "$tmp/dnf/dist2/node-agent_${up}_$deb_arch.deb"
    check "upgrade kept the changed /etc/default/node-agent (conffile)" grep -q cpu.info "$d/root/etc/default/node-agent"
  fi
  check "dpkg --root -r: binary gone, conffile kept" bash -c "
    ${dpkg_root[*]} -r node-agent >/dev/null && [ ! -e '$d/root/usr/bin/node-agent' ] && [ -f '$d/root/etc/default/node-agent' ]"
  check "dpkg --root -P: conffile purged" bash -c "
    ${dpkg_root[*]} -P node-agent >/dev/null && [ ! -e '$d/root/etc/default/node-agent' ]"
else
  skip "dpkg --root (needs dpkg, curl)"
fi

# --- install.sh with the tarball, no systemd ----------------------------------------
if have curl; then
  p=$tmp/prefix
  port=$(free_port)
  mkdir -p "$p/etc/default"
  # A flags file that is already there is kept: it sets the test's port.
  echo "NODE_AGENT_ARGS=\"--web.listen-address=127.0.0.1:$port\"" >"$p/etc/default/node-agent"
  inst=(env NODE_AGENT_ROOT="$p" NODE_AGENT_NO_SYSTEMD=1 packaging/install.sh)
  check "install.sh TARBALL (prefix, no systemd)" "${inst[@]}" "$tar_file"
  check "install.sh: installed binary, unit, sysusers.d, tmpfiles.d, man page; kept the flags file" bash -c "
    [ -x '$p/usr/bin/node-agent' ] && [ -f '$p/usr/lib/systemd/system/node-agent.service' ] &&
    [ -f '$p/usr/lib/tmpfiles.d/node-agent.conf' ] && [ -f '$p/usr/share/man/man1/node-agent.1.gz' ] &&
    [ -f '$p/usr/lib/sysusers.d/node-agent.conf' ] && grep -q ':$port' '$p/etc/default/node-agent'"
  check "install.sh: agent detached with a pid file, serves /metrics" serves "$port" "$version" cpu
  pid1=$(cat "$p/run/node-agent.pid" 2>/dev/null)
  check "install.sh: log file" test -f "$p/var/log/node-agent.log"
  rerun=$("${inst[@]}" "$tar_file" 2>&1)
  check "install.sh again: exit 0, 'already running'" grep -q 'already running' <<<"$rerun"
  check "install.sh again: same agent, no second one" bash -c "
    [ \"\$(cat '$p/run/node-agent.pid')\" = '$pid1' ] &&
    [ \"\$(pgrep -f -c -x '$p/usr/bin/node-agent --web.listen-address=127.0.0.1:$port')\" = 1 ]"
  check "install.sh --uninstall" "${inst[@]}" --uninstall
  check "install.sh --uninstall: agent stopped, files gone, changed flags file kept" bash -c "
    ! kill -0 '$pid1' 2>/dev/null && [ ! -e '$p/usr/bin/node-agent' ] && [ ! -e '$p/run/node-agent.pid' ] &&
    [ ! -e '$p/usr/lib/systemd/system/node-agent.service' ] && [ ! -e '$p/usr/share/man/man1/node-agent.1.gz' ] &&
    [ -f '$p/etc/default/node-agent' ]"
  uninstall_again() { "${inst[@]}" --uninstall 2>&1 | grep -q 'not installed'; }
  check "install.sh --uninstall again: harmless" uninstall_again
  missing_file() { ! "${inst[@]}" "$tmp/nope.rpm" 2>/dev/null; }
  check "install.sh: no such file -> non-zero" missing_file
else
  skip "install.sh (needs curl)"
fi

echo "packaging: $fails failed"
[ "$fails" -eq 0 ]
