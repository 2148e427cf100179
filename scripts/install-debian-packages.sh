#!/usr/bin/env bash
# Installs the Debian packages the builders, the lab tests and the distributor need.
# Idempotent: when everything is already installed it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  # builders: ISO, FAT ESP images, GRUB, SYSLINUX
  xorriso mtools dosfstools
  grub-efi-amd64-bin grub-efi-ia32-bin grub-pc-bin grub-common
  isolinux syslinux-common
  zip unzip
  # lab: VMs, DHCP/TFTP, node OS, SSH, load
  qemu-system-x86 ovmf ipxe-qemu dnsmasq-base
  busybox-static cpio gzip openssh-client iproute2 wrk
  # lab node OS: SSH server copied into the initramfs (with its libraries, per ldd)
  dropbear-bin iputils-ping
  # lab node OS: the tutorial's WireGuard step (wg, copied like dropbear)
  wireguard-tools
  # web console tests and benchmarks: headless browser driven by playwright-core
  chromium
  # fetch-ipxe.sh
  ca-certificates
  # docs/tutorial.md's commands (run by tests/tutorial/)
  curl jq wget
  # tests/installer: Debian 12's real network installer (kernel + initrd)
  debian-installer-12-netboot-amd64
)

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != ii* ]]; then
    missing+=("$pkg")
  fi
done

# Any nginx build will do; nginx-light (bookworm) was dropped later, so pick
# whichever the configured suites offer, and only after the lists are fresh.
need_nginx=0
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need_nginx=1

if ((${#missing[@]} == 0 && need_nginx == 0)); then
  echo "install-debian-packages: all packages present"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Another process may hold the dpkg lock for a while; wait instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=600)
apt-get "${apt_opts[@]}" update -qq
if ((need_nginx)); then
  if [[ -n "$(apt-cache policy nginx-light 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"')" ]]; then
    missing+=(nginx-light)
  else
    missing+=(nginx)
  fi
fi
echo "install-debian-packages: installing ${missing[*]}"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
