#!/usr/bin/env bash
# Builds the static node-agent and packages it: one command, everything in dist/.
#   packaging/package.sh [VERSION]          VERSION defaults to CMakeLists.txt's
# Environment:
#   ARCH=x86_64|aarch64   target architecture (default: this machine's, uname -m).
#                         Another architecture cross-builds with the CMake toolchain
#                         file packaging/cmake/toolchain-ARCH.cmake (or TOOLCHAIN=FILE)
#                         in build-static-ARCH/.
#   JOBS=N                build parallelism (default: nproc)
#   BINARY=FILE           package this static node-agent instead of building one
#   DIST=DIR              output directory (default: dist)
# Produces, for x86_64 (aarch64: .aarch64.rpm, _arm64.deb, linux-arm64.tar.gz):
#   dist/node-agent-VERSION-1.x86_64.rpm         rpmbuild (Debian package `rpm`)
#   dist/node-agent_VERSION_amd64.deb            dpkg-deb
#   dist/node-agent-VERSION.linux-amd64.tar.gz   binary, unit, flags example, sysusers.d
#                                                and tmpfiles.d entries, install.sh, LICENSE,
#                                                README.md, the man page node-agent.1.gz
#   dist/node-agent.rpm, dist/node-agent.deb     the same packages under the names
#                                                packaging/examples/cluster-*.yaml mount
#   dist/node-agent-ARCH                         the stripped static binary
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=${1:-$(sed -nE 's/^project\(node-agent VERSION ([^ )]+).*/\1/p' CMakeLists.txt)}
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] ||
  { echo "package.sh: bad VERSION '$version' (digits first; letters, digits, . + ~ only)" >&2; exit 2; }
arch=${ARCH:-$(uname -m)}
case $arch in
  x86_64|amd64)  arch=x86_64  deb_arch=amd64 go_arch=amd64 elf='x86-64' ;;
  aarch64|arm64) arch=aarch64 deb_arch=arm64 go_arch=arm64 elf='ARM aarch64' ;;
  *) echo "package.sh: unsupported ARCH $arch (x86_64 or aarch64)" >&2; exit 2 ;;
esac
jobs=${JOBS:-$(nproc)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

for tool in cmake ninja rpmbuild dpkg-deb dpkg-source file readelf; do
  command -v $tool >/dev/null || { echo "package.sh: $tool missing (packaging/deps.sh)" >&2; exit 1; }
done

dist=${DIST:-dist}
stage=$(mktemp -d "${TMPDIR:-/tmp}/node-agent-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# 1. The static binary.
build="build-static"
cmake_args=()
if [ "$arch" != "$(uname -m)" ] && [ -z "${BINARY:-}" ]; then
  build=build-static-$arch
  toolchain=${TOOLCHAIN:-packaging/cmake/toolchain-$arch.cmake}
  [ -f "$toolchain" ] || { echo "package.sh: cross-building $arch needs $toolchain" >&2; exit 1; }
  cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$root/$toolchain")
fi
if [ -n "${BINARY:-}" ]; then
  install -D -m 0755 "$BINARY" "$stage/install/bin/node-agent"
else
echo "package.sh: building static node-agent $version for $arch in $build/" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNODE_AGENT_STATIC=ON \
  -DNODE_AGENT_TESTS=OFF -DNODE_AGENT_BENCH=OFF -DNODE_AGENT_VERSION="$version" \
  "${cmake_args[@]}" >/dev/null
ninja -C "$build" -j "$jobs" node-agent >/dev/null
# --strip uses the toolchain's strip (CMAKE_STRIP), right for a cross build too.
cmake --install "$build" --strip --prefix "$stage/install" >/dev/null
fi
bin=$stage/install/bin/node-agent
if readelf -d "$bin" 2>/dev/null | grep -q NEEDED || ! file -b "$bin" | grep -qE 'static(ally|-pie) linked'; then
  echo "package.sh: $bin is not statically linked:" >&2
  file "$bin" >&2
  exit 1
fi
file -b "$bin" | grep -q "$elf" || { echo "package.sh: $bin is not an $arch binary: $(file -b "$bin")" >&2; exit 1; }

mkdir -p "$dist"
cp "$bin" "$dist/node-agent-$arch"
s=$stage/files
mkdir -p "$s"
cp "$bin" "$s/node-agent"
cp packaging/systemd/node-agent.service packaging/systemd/node-agent.sysusers packaging/systemd/node-agent.tmpfiles \
   packaging/node-agent.flags packaging/install.sh LICENSE README.md "$s/"
# The man page is generated from the binary's flags (docs/gen-docs.sh) and committed, so a
# cross build needs no run of the target binary; its footer names this package's version.
sed -E "s/^(\.TH .*\"node\\\\-agent )[^\"]*\"/\1$version\"/" docs/node-agent.1 | gzip -9n >"$s/node-agent.1.gz"
touch -d "@$SOURCE_DATE_EPOCH" "$s"/*

# 2. Tarball.
tarname=node-agent-$version.linux-$go_arch
mkdir "$stage/$tarname"
cp -p "$s"/* "$stage/$tarname/"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C "$stage" -czf "$dist/$tarname.tar.gz" "$tarname"

# 3. DEB (dpkg-deb on a staged tree: no debian/ source package, the binary is built already).
d=$stage/deb
install -D -m 0755 "$s/node-agent" "$d/usr/bin/node-agent"
install -D -m 0644 "$s/node-agent.service" "$d/usr/lib/systemd/system/node-agent.service"
install -D -m 0644 "$s/node-agent.sysusers" "$d/usr/lib/sysusers.d/node-agent.conf"
install -D -m 0644 "$s/node-agent.tmpfiles" "$d/usr/lib/tmpfiles.d/node-agent.conf"
install -D -m 0644 "$s/node-agent.flags" "$d/etc/default/node-agent"
install -D -m 0644 packaging/deb/copyright "$d/usr/share/doc/node-agent/copyright"
printf 'node-agent (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
  "$version" "$version" "$(sed -n 's/^Maintainer: //p' packaging/deb/control.in)" \
  "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$d/usr/share/doc/node-agent/changelog.gz"
install -D -m 0644 "$s/README.md" "$d/usr/share/doc/node-agent/README.md"
install -D -m 0644 "$s/node-agent.1.gz" "$d/usr/share/man/man1/node-agent.1.gz"
install -D -m 0644 packaging/deb/lintian-overrides "$d/usr/share/lintian/overrides/node-agent"
mkdir -p "$d/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$deb_arch/" -e "s/@SIZE@/$size/" \
  packaging/deb/control.in >"$d/DEBIAN/control"
echo /etc/default/node-agent >"$d/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$d/DEBIAN/"
(cd "$d" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
find "$d" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$d" "$dist/node-agent_${version}_$deb_arch.deb" >/dev/null

# 4. RPM.
r=$stage/rpm
mkdir -p "$r"
rpmbuild -bb --quiet --target "$arch" \
  --define "_topdir $r" --define "_rpmdir $r/RPMS" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  --define "version_ $version" --define "stage $s" \
  --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
  packaging/rpm/node-agent.spec >"$r/log" 2>&1 || { cat "$r/log" >&2; exit 1; }
mv "$r/RPMS/node-agent-$version-1.$arch.rpm" "$dist/"

ln -f "$dist/node-agent-$version-1.$arch.rpm" "$dist/node-agent.rpm"
ln -f "$dist/node-agent_${version}_$deb_arch.deb" "$dist/node-agent.deb"
echo "package.sh: node-agent $version $arch, stripped static binary $(stat -c %s "$bin") bytes:" >&2
ls -l "$dist/node-agent-$version-1.$arch.rpm" "$dist/node-agent_${version}_$deb_arch.deb" \
  "$dist/$tarname.tar.gz" >&2
