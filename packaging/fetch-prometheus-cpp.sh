#!/usr/bin/env bash
# Fetches and unpacks Debian's prometheus-cpp source package (the version of the
# installed prometheus-cpp-dev, i.e. the headers the normal build uses), with
# Debian's patches applied, for the static build (NODE_AGENT_STATIC=ON links its
# core as a static library; Debian ships only the shared one).
#   packaging/fetch-prometheus-cpp.sh [CACHE_DIR]     default: build-cache/
# Prints the unpacked source directory. Nothing is written outside CACHE_DIR:
# apt runs with a private sources list (deb-src of the same Debian archive as the
# system's deb entries) and private lists/cache directories, so the system's apt
# configuration stays as it is. apt checks the Sources index against the
# archive's signed Release file and the .dsc's files against their hashes.
# Third-party source stays in the git-ignored cache; it is never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=$(realpath -m "${1:-build-cache}")
pkg=prometheus-cpp
version=${PROMETHEUS_CPP_VERSION:-$(dpkg-query -W -f='${Version}' prometheus-cpp-dev 2>/dev/null || true)}
[ -n "$version" ] || { echo "fetch-prometheus-cpp: prometheus-cpp-dev is not installed (packaging/deps.sh)" >&2; exit 1; }
upstream=${version#*:}
upstream=${upstream%-*}
src="$cache/$pkg-$upstream"
if [ -f "$src/.node-agent-fetched-$version" ]; then
  echo "$src"
  exit 0
fi

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$cache/dl"
# deb-src lines for the archives the system already uses (Debian's, by default).
{
  grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' || true
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: keep stanzas whose URI is a Debian archive, as Types: deb-src.
    awk 'BEGIN{RS=""; ORS="\n\n"} /debian\.org|snapshot\.debian/ {gsub(/Types: *deb[^\n]*/, "Types: deb-src"); print}' "$f"
  done
} >"$apt_dir/sources.list.tmp"
if [ ! -s "$apt_dir/sources.list.tmp" ]; then
  . /etc/os-release
  echo "deb-src http://deb.debian.org/debian ${VERSION_CODENAME:-bookworm} main" >"$apt_dir/sources.list.tmp"
fi
# One-line and deb822 entries cannot share a file: split them.
grep -E '^deb-src ' "$apt_dir/sources.list.tmp" >"$apt_dir/sources.list" || true
mkdir -p "$apt_dir/sources.list.d"
grep -vE '^deb-src ' "$apt_dir/sources.list.tmp" >"$apt_dir/sources.list.d/debian.sources" || true
rm -f "$apt_dir/sources.list.tmp"

apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
          -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache::Archives=$apt_dir/archives"
          -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
          -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=1")
echo "fetch-prometheus-cpp: apt-get source $pkg=$version into $cache" >&2
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$cache/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "$pkg=$version" >&2)
dsc=$(ls "$cache/dl/${pkg}_${version#*:}.dsc")
rm -rf "$src"
# dpkg-source checks the .dsc's hashes and applies debian/patches (quilt 3.0). It
# warns that it cannot verify the uploader's signature on the .dsc (no
# debian-keyring): apt has already checked the .dsc against the archive's signed index.
dpkg-source -x "$dsc" "$src" >&2
touch "$src/.node-agent-fetched-$version"
echo "$src"
