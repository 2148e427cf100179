#!/usr/bin/env bash
# Builds the container images with podman on a Debian machine that has no Docker engine
# and can pull from no registry (see README "Run on Kubernetes"):
#   localhost/provisioner-serve        server/Dockerfile       `provisioner serve`
#   localhost/provisioner-worker       builder/Dockerfile      `provisioner worker`
#   localhost/provisioner-distributor  distributor/Dockerfile  `provisioner distributor`
# Usage: scripts/build-images.sh [serve|worker|distributor ...]   (default: all three)
#
# Idempotent and safe to run concurrently (one flock): it installs podman & co. only when
# missing, writes the containers.conf this machine needs only when it differs, makes the
# base image debian:trixie-slim with debootstrap only when it is absent, and rebuilds an
# image only when the hash of its inputs (label org.provisioner.inputs) changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

base_image="docker.io/library/debian:trixie-slim"
# Bumped when the recipe of the base image below changes, so older local bases are replaced.
base_recipe=2
label="org.provisioner.inputs"
declare -A dockerfile=(
  [serve]=server/Dockerfile
  [worker]=builder/Dockerfile
  [distributor]=distributor/Dockerfile
)
images=("$@")
((${#images[@]})) || images=(serve worker distributor)
for name in "${images[@]}"; do
  [[ -n "${dockerfile[$name]:-}" ]] || { echo "build-images: unknown image '$name'" >&2; exit 2; }
done
[[ $(id -u) -eq 0 ]] || { echo "build-images: run as root (podman, debootstrap)" >&2; exit 1; }

# One build at a time on this machine: test files call this script in parallel.
mkdir -p /run/lock
exec 9>/run/lock/provisioner-build-images.lock
flock 9

# --- tools --------------------------------------------------------------------------------
missing=()
for pkg in podman runc catatonit debootstrap; do
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" == ii* ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "build-images: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

# crun (podman's default runtime) fails on these machines ("cgroups in hybrid mode",
# setrlimit refused): runc plus ulimits below the hosts' hard limits work (LAB.md).
conf=/etc/containers/containers.conf
want_conf='# Written by provisioner scripts/build-images.sh (crun fails here; see LAB.md).
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [[ "$(cat "$conf" 2>/dev/null)" != "$want_conf" ]]; then
  [[ -e "$conf" && ! -e "$conf.before-provisioner" ]] && cp "$conf" "$conf.before-provisioner"
  mkdir -p /etc/containers
  printf '%s\n' "$want_conf" >"$conf"
fi

# --- base image ---------------------------------------------------------------------------
# No registry is reachable: debootstrap Debian trixie (minbase) and import it under the name
# the Dockerfiles use. Trimmed like the official -slim image: no docs, man pages or locales
# now, and a dpkg exclude list so packages installed in the images skip them too.
system_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true
  } | grep -E '/debian/?$' | head -n 1
}
have_recipe="$(podman image inspect --format '{{ index .Labels "org.provisioner.base" }}' "$base_image" 2>/dev/null || true)"
if [[ "$have_recipe" != "$base_recipe" ]]; then
  mirror="${DEBIAN_MIRROR:-$(system_mirror)}"
  [[ -n "$mirror" ]] || { echo "build-images: no Debian archive in the apt sources; set DEBIAN_MIRROR" >&2; exit 1; }
  rootfs="$(mktemp -d /var/tmp/provisioner-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "build-images: debootstrap trixie from $mirror"
  debootstrap --variant=minbase trixie "$rootfs" "$mirror" >/dev/null
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim-excludes" <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EXCLUDES
  # No binary package caches (90 MB after an `apt-get update`), no kept .debs.
  cat >"$rootfs/etc/apt/apt.conf.d/slim-clean" <<'APT'
APT::Keep-Downloaded-Packages "false";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::GzipIndexes "true";
APT
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{man,info,locale,lintian}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . |
    podman import --quiet --change "LABEL org.provisioner.base=$base_recipe" - "$base_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi
base_id="$(podman image inspect --format '{{.Id}}' "$base_image")"

# --- images -------------------------------------------------------------------------------
# An image's inputs: its Dockerfile, the files it copies, and the base image.
inputs_hash() {
  {
    echo "base $base_id"
    find "$1" package.json package-lock.json .dockerignore bin src drizzle -type f -print0 |
      sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

ca=/etc/ssl/certs/ca-certificates.crt
for name in "${images[@]}"; do
  file="${dockerfile[$name]}"
  tag="localhost/provisioner-$name:latest"
  want="$(inputs_hash "$file")"
  have="$(podman image inspect --format "{{ index .Labels \"$label\" }}" "$tag" 2>/dev/null || true)"
  if [[ "$have" == "$want" ]]; then
    echo "build-images: $tag is up to date"
    continue
  fi
  echo "build-images: building $tag from $file"
  started=$SECONDS
  # --network host: apt and npm reach their registries as the host does; npm trusts the
  # host's CA bundle (TLS to the registry is re-signed on these machines).
  # --format docker: the OCI format has no HEALTHCHECK. The build's output goes to a log.
  log="$root/.tmp/build-image-$name.log"
  mkdir -p "$root/.tmp"
  if ! podman build --network host --layers --format docker \
    -v "$ca:/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/host-ca.crt \
    --label "$label=$want" -f "$file" -t "$tag" . >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build-images: building $tag failed; the whole output is in $log" >&2
    exit 1
  fi
  echo "build-images: $tag built in $((SECONDS - started)) s, $(podman image inspect --format '{{.Size}}' "$tag") bytes"
done
