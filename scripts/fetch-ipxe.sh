#!/usr/bin/env bash
# Fetches Debian trixie's prebuilt `ipxe` package (Architecture: all) into vendor/ipxe/.
# Bookworm's ipxe (2019) lacks autoexec.ipxe and command-line scripts, so the trixie
# build is needed; a private apt state directory keeps the system's sources untouched.
# Idempotent: exits at once when vendor/ipxe/VERSION and the binaries are present.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${IPXE_VENDOR_DIR:-$root/vendor/ipxe}"
suite="${IPXE_SUITE:-trixie}"
# The Debian archive this machine already uses (first "…/debian" URI in its apt sources).
system_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true
  } | awk '/\/debian\/?$/ && !first { first = $0 } END { if (first) print first }'
}
# Every reader in a pipeline reads to the end: one that stops early (head, awk's exit)
# makes the writer die of SIGPIPE, and pipefail turns that into exit 141.
mirror="${IPXE_MIRROR:-$(system_mirror)}"
[[ -n "$mirror" ]] || { echo "fetch-ipxe: no Debian archive in the apt sources; set IPXE_MIRROR" >&2; exit 1; }
keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
required=(ipxe-amd64.efi ipxe-arm64.efi snponly.efi undionly.kpxe ipxe.lkrn ipxe.pxe)

complete() {
  [[ -s "$out/VERSION" ]] || return 1
  local f
  for f in "${required[@]}"; do
    [[ -s "$out/usr/lib/ipxe/$f" ]] || return 1
  done
}

if complete; then
  echo "fetch-ipxe: $(cat "$out/VERSION") already in $out"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial" "$work/archives/partial" "$work/deb"

cat >"$work/sources/ipxe.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: $keyring
SOURCES

apt_private=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$work/sources"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::Archives=$work/archives"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "APT::Get::List-Cleanup=false"
  # The private directories belong to root; the _apt user could not write them.
  -o "APT::Sandbox::User=root"
)

apt-get "${apt_private[@]}" update -qq
version="$(apt-cache "${apt_private[@]}" show ipxe | awk '/^Version:/ && !v { v = $2 } END { print v }')"
(cd "$work/deb" && apt-get "${apt_private[@]}" download -qq "ipxe=$version")

deb="$(find "$work/deb" -maxdepth 1 -name 'ipxe_*.deb' -print -quit)"
[[ -n "$deb" ]] || { echo "fetch-ipxe: no ipxe .deb downloaded" >&2; exit 1; }

# Extract next to the target, then swap in, so a failed run never leaves a half tree.
staging="$out.tmp.$$"
rm -rf "$staging"
mkdir -p "$staging"
dpkg-deb -x "$deb" "$staging"
printf '%s\n' "$version" >"$staging/VERSION"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$staging" "$out"

if ! complete; then
  echo "fetch-ipxe: ipxe $version lacks one of: ${required[*]}" >&2
  exit 1
fi
echo "fetch-ipxe: ipxe $version extracted to $out"
