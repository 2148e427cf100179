import { createHash, randomBytes } from "node:crypto";
import {
  access,
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { runTool } from "../../src/builders/tool.ts";

/**
 * The operating system the lab's VMs boot into: Debian's kernel plus a busybox initramfs
 * that brings up the NIC, fetches authorized_keys, starts dropbear and calls home. It
 * stands in for what a kickstart install would produce, in seconds instead of minutes.
 *
 * Booted with the Debian installer's `url=<preseed>` instead of the provisioner.* keys, it
 * plays installer and installed system in one (what docs/tutorial.md's hosts do): it
 * fetches the preseed, runs its `preseed/early_command` (the prebootscript: registration)
 * and `preseed/late_command` (`in-target` runs in its own root; `curl` is a small stand-in
 * on busybox wget with the flags the tutorial uses; `systemctl enable` remembers the unit),
 * starts dropbear with the keys the late_command installed, and then runs every enabled
 * unit's ExecStart (the postbootscript: call home), as the installed system's first boot
 * would. It carries WireGuard (Debian's wireguard.ko with its module chain, `wg`) and
 * iproute2's `ip`, so the tutorial's VPN join script runs on it.
 *
 * Built once and cached under .tmp/node-os/<hash of every input>/, so a changed init
 * script, kernel update or package upgrade yields a fresh build and an unchanged one is
 * reused between runs. Builds go to a private directory and are renamed into place, so a
 * concurrent or interrupted build never leaves a half-written cache entry.
 */

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const NODE_OS_CACHE = join(REPO_ROOT, ".tmp", "node-os");
/** Bump when the layout of the image changes in a way the hashed inputs do not show. */
const FORMAT = "node-os-v2";

/** Kernel command-line parameters the init reads (from /proc/cmdline). */
export const CMDLINE_KEYS = "provisioner.keys";
export const CMDLINE_CALLHOME = "provisioner.callhome";
export const CMDLINE_ARTIFACT = "provisioner.artifactId";

/** Lines the init prints on the console; tests wait for them. */
export const CONSOLE_CALLED_HOME = "node-os: called home as ";
export const CONSOLE_HOST_KEY = "node-os: host key ";
/** Printed once the enabled units (the installed call-home) ran, in installer mode. */
export const CONSOLE_UNITS_RAN = "node-os: ran enabled units as ";

// e1000 for SeaBIOS VMs; virtio-net (and its chain, resolved from the modules' own
// "depends=" records) for OVMF VMs; wireguard (udp_tunnel, curve25519, chacha20poly1305 …)
// for the tutorial's VPN step.
const MODULES = ["e1000", "virtio_pci", "virtio_net", "wireguard"];
/** Host binary → where it goes in the node (busybox's own `ip` cannot make a wireguard link). */
const BINARIES: Array<[string, string]> = [
  ["/usr/sbin/dropbear", "/usr/sbin/dropbear"],
  ["/usr/bin/dropbearkey", "/usr/bin/dropbearkey"],
  ["/usr/bin/wg", "/usr/bin/wg"],
  ["/bin/ip", "/usr/sbin/ip"],
];
/** Debian packages whose files go into the image: their versions are part of the cache key. */
const PACKAGES = ["busybox-static", "dropbear-bin", "wireguard-tools", "iproute2"];
const BUSYBOX = "/bin/busybox";

const UDHCPC_SCRIPT = `#!/bin/sh
# udhcpc calls this with the lease in its environment; only an address is needed:
# the lab has no gateway and no DNS on purpose.
case "$1" in
  deconfig) ifconfig "$interface" 0.0.0.0 up ;;
  bound|renew)
    ifconfig "$interface" "$ip" netmask "\${subnet:-255.255.255.0}" up
    echo "$ip" > /run/node-ip
    ;;
esac
exit 0
`;

// Stand-ins for the installer's and the installed system's tools the preseed uses.
const CURL = `#!/bin/sh
# Not curl: the flags the tutorial's scripts pass (-fsS, -o FILE, -X POST) on busybox wget.
out=- method=GET url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    -X) method="$2"; shift ;;
    -*) ;;
    *) url="$1" ;;
  esac
  shift
done
if [ "$method" = POST ]; then exec wget -q -O "$out" --post-data= "$url"; fi
exec wget -q -O "$out" "$url"
`;
const IN_TARGET = `#!/bin/sh
# The node OS is installer and target in one: run the command right here.
exec "$@"
`;
const SYSTEMCTL = `#!/bin/sh
# No systemd: "enable" remembers the unit; the init runs its ExecStart once SSH is up.
[ "$1" = enable ] || exit 0
shift
for unit in "$@"; do echo "$unit" >> /run/node-os-enabled-units; done
`;

const INIT = `#!/bin/sh
# PID 1 of the lab node OS. Every step prints a "node-os:" line on the serial console.
/bin/busybox --install -s
# /usr first: iproute2's ip (/usr/sbin) before busybox's (/sbin), as dropbear's root PATH has it.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
# The serial console, also when the kernel was not told console=ttyS0 (the installer's line).
[ -c /dev/ttyS0 ] && exec >/dev/ttyS0 2>&1 </dev/null
say() { echo "node-os: $*"; }

while read -r module; do
  insmod "/lib/modules/$module.ko" 2>/dev/null
done < /etc/node-os/modules

keys_url=""; callhome=""; artifact=""; preseed=""
for word in $(cat /proc/cmdline); do
  case "$word" in
    url=*) preseed="\${word#*=}" ;;
    ${CMDLINE_KEYS}=*) keys_url="\${word#*=}" ;;
    ${CMDLINE_CALLHOME}=*) callhome="\${word#*=}" ;;
    ${CMDLINE_ARTIFACT}=*) artifact="\${word#*=}" ;;
  esac
done

iface=""
for _ in $(seq 1 50); do
  for dev in /sys/class/net/*; do
    name="\${dev##*/}"
    [ "$name" = lo ] || { iface="$name"; break; }
  done
  [ -n "$iface" ] && break
  sleep 0.2
done
[ -n "$iface" ] || say "no network interface"
ip link set lo up
ip link set "$iface" up
say "interface $iface"

until udhcpc -i "$iface" -s /etc/udhcpc.script -q -n -t 5 -T 2 >/dev/null 2>&1; do
  say "no DHCP lease yet"
done
ip_address="$(cat /run/node-ip)"
say "address $ip_address"

mkdir -p /root/.ssh /etc/dropbear
chmod 700 /root /root/.ssh
# The value of a preseed line "d-i <question> string <value>".
preseed_value() { sed -n "s|^d-i $1 string ||p" /tmp/preseed.cfg | tail -n 1; }
if [ -n "$preseed" ]; then
  until wget -q -O /tmp/preseed.cfg "$preseed"; do
    say "waiting for $preseed"; sleep 2
  done
  say "preseed from $preseed"
  early="$(preseed_value preseed/early_command)"
  if [ -n "$early" ]; then
    sh -c "$early" && say "early_command done" || say "early_command failed ($?)"
  fi
  late="$(preseed_value preseed/late_command)"
  if [ -n "$late" ]; then
    sh -c "$late" && say "late_command done" || say "late_command failed ($?)"
  fi
else
  until wget -q -O /root/.ssh/authorized_keys "$keys_url"; do
    say "waiting for $keys_url"; sleep 2
  done
fi
chmod 600 /root/.ssh/authorized_keys 2>/dev/null

# A fresh host key per boot; its public half goes to the console so the test can pin it.
dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
say "host key $(dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | grep '^ssh-ed25519' | cut -d' ' -f1,2)"
dropbear -F -E -s -p 22 -r /etc/dropbear/dropbear_ed25519_host_key &
# Calling home means "ready for SSH": wait until dropbear listens.
for _ in $(seq 1 100); do
  netstat -ltn 2>/dev/null | grep -q ':22 ' && break
  sleep 0.2
done

if [ -n "$preseed" ]; then
  # The installed system's first boot: its enabled units, in the order they were enabled.
  touch /run/node-os-enabled-units
  while read -r unit; do
    exec_start="$(sed -n 's/^ExecStart=//p' "/etc/systemd/system/$unit")"
    sh -c "$exec_start" >/dev/null </dev/null && say "unit $unit ran" || say "unit $unit failed ($?)"
  done < /run/node-os-enabled-units
  say "ran enabled units as $ip_address"
  while true; do sleep 3600; done
fi

case "$callhome" in *\\?*) sep="&" ;; *) sep="?" ;; esac
until wget -q -O- --post-data= "$callhome\${sep}ip=$ip_address&artifactId=$artifact&pingable=true" >/dev/null; do
  say "call home failed, retrying"; sleep 2
done
say "called home as $ip_address"

while true; do sleep 3600; done
`;

export type NodeOs = { kernel: string; initrd: string };

export type NodeOsCmdline = { keysUrl: string; callhomeUrl: string; artifactId: string };

const CMDLINE_VALUE = /^[A-Za-z0-9._~:/?=&%-]{1,512}$/;

/** Kernel arguments for the node OS; values must not contain spaces or quotes (one word each). */
export function nodeOsCmdline(args: NodeOsCmdline): string {
  for (const [name, value] of Object.entries(args)) {
    if (!CMDLINE_VALUE.test(value))
      throw new Error(`node OS ${name} is not one safe word: ${value}`);
  }
  return [
    "console=ttyS0",
    "quiet",
    `${CMDLINE_KEYS}=${args.keysUrl}`,
    `${CMDLINE_CALLHOME}=${args.callhomeUrl}`,
    `${CMDLINE_ARTIFACT}=${args.artifactId}`,
  ].join(" ");
}

type Tools = { signal: AbortSignal };

const run = (cmd: string, args: string[], t: Tools, cwd?: string) =>
  runTool(cmd, args, { signal: t.signal, timeoutMs: 300_000, cwd });

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The kernel package linux-image-amd64 points at, e.g. linux-image-6.1.0-56-amd64. */
async function kernelPackage(t: Tools): Promise<{ name: string; version: string }> {
  const depends = await run("apt-cache", ["depends", "linux-image-amd64"], t);
  const name = /Depends:\s+(linux-image-[0-9][A-Za-z0-9.+-]*-amd64)\b/.exec(depends)?.[1];
  if (!name) throw new Error(`apt-cache depends linux-image-amd64 named no kernel:\n${depends}`);
  const show = await run("apt-cache", ["show", "--no-all-versions", name], t);
  const version = /^Version:\s*(\S+)/m.exec(show)?.[1];
  if (!version) throw new Error(`apt-cache show ${name} gave no version`);
  return { name, version };
}

async function packageVersion(pkg: string, t: Tools): Promise<string> {
  // Default output: "<package>\t<version>".
  const line = await run("dpkg-query", ["-W", pkg], t);
  return line.split("\t")[1]?.trim() ?? "";
}

/** Downloads the kernel .deb into the cache once; apt-get names it <name>_<version>_amd64.deb. */
async function kernelDeb(pkg: { name: string; version: string }, t: Tools): Promise<string> {
  const dir = join(NODE_OS_CACHE, "debs");
  await mkdir(dir, { recursive: true });
  const fileVersion = pkg.version.replace(/:/g, "%3a");
  const path = join(dir, `${pkg.name}_${fileVersion}_amd64.deb`);
  if (await exists(path)) return path;
  // The cache belongs to root; apt's _apt sandbox user could not write into it.
  await run(
    "apt-get",
    ["-o", "APT::Sandbox::User=root", "download", "-qq", `${pkg.name}=${pkg.version}`],
    t,
    dir,
  );
  if (!(await exists(path))) throw new Error(`apt-get download did not produce ${path}`);
  return path;
}

/** Module name → path of its .ko, for every module in the extracted kernel tree. */
async function moduleIndex(modulesRoot: string): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  const entries = await readdir(modulesRoot, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith(".ko")) {
      index.set(entry.name.slice(0, -3).replace(/-/g, "_"), join(entry.parentPath, entry.name));
    }
  }
  return index;
}

/** The module's own "depends=" record from its .modinfo section (no kmod tools needed). */
async function moduleDepends(path: string): Promise<string[]> {
  const text = (await readFile(path)).toString("latin1");
  const match = /\0depends=([A-Za-z0-9_,-]*)\0/.exec(text);
  return match?.[1] ? match[1].split(",").map((m) => m.replace(/-/g, "_")) : [];
}

/** Modules in load order: every dependency before the modules that need it. */
async function loadOrder(wanted: string[], index: Map<string, string>): Promise<string[]> {
  const order: string[] = [];
  const visit = async (name: string, trail: string[]) => {
    if (order.includes(name)) return;
    if (trail.includes(name)) throw new Error(`module dependency cycle: ${trail.join(" → ")}`);
    const path = index.get(name);
    if (!path) throw new Error(`kernel module ${name} not found (built in?)`);
    for (const dep of await moduleDepends(path)) await visit(dep, [...trail, name]);
    order.push(name);
  };
  for (const name of wanted) await visit(name, []);
  return order;
}

/** Shared libraries of a dynamic binary, as ldd lists them (path it is loaded from). */
async function libraries(binary: string, t: Tools): Promise<string[]> {
  const out = await run("ldd", [binary], t);
  const libs: string[] = [];
  for (const line of out.split("\n")) {
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path) libs.push(path);
  }
  return libs;
}

async function copyAs(root: string, path: string, into: string, mode?: number): Promise<void> {
  const target = join(root, into);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(await realpath(path), target);
  if (mode !== undefined) await chmod(target, mode);
}

const copyInto = (root: string, path: string, mode?: number) => copyAs(root, path, path, mode);

async function buildInitramfs(staging: string, modulesRoot: string, t: Tools, out: string) {
  const root = join(staging, "root");
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run", "tmp"]) {
    await mkdir(join(root, d), { recursive: true });
  }
  await mkdir(join(root, "root"), { recursive: true, mode: 0o700 });
  await mkdir(join(root, "etc/node-os"), { recursive: true });
  await copyInto(root, BUSYBOX, 0o755);
  await symlink("busybox", join(root, "bin/sh"));

  const index = await moduleIndex(modulesRoot);
  const order = await loadOrder(MODULES, index);
  for (const name of order) {
    const from = index.get(name) ?? "";
    await mkdir(join(root, "lib/modules"), { recursive: true });
    await copyFile(from, join(root, "lib/modules", `${name}.ko`));
  }
  await writeFile(join(root, "etc/node-os/modules"), `${order.join("\n")}\n`);

  for (const [binary, into] of BINARIES) {
    await copyAs(root, binary, into, 0o755);
    for (const lib of await libraries(binary, t)) await copyInto(root, lib, 0o755);
  }
  for (const d of ["etc/systemd/system", "usr/local/sbin"]) {
    await mkdir(join(root, d), { recursive: true });
  }
  await writeFile(join(root, "usr/bin/curl"), CURL, { mode: 0o755 });
  await writeFile(join(root, "usr/bin/in-target"), IN_TARGET, { mode: 0o755 });
  await writeFile(join(root, "usr/bin/systemctl"), SYSTEMCTL, { mode: 0o755 });
  await writeFile(join(root, "etc/passwd"), "root:*:0:0:root:/root:/bin/sh\n");
  await writeFile(join(root, "etc/group"), "root:x:0:\n");
  await writeFile(join(root, "etc/shells"), "/bin/sh\n");
  await writeFile(join(root, "etc/nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\n");
  await writeFile(join(root, "etc/udhcpc.script"), UDHCPC_SCRIPT, { mode: 0o755 });
  await writeFile(join(root, "init"), INIT, { mode: 0o755 });

  const list = (await readdir(root, { recursive: true })).map((p) => `./${p}`).sort();
  const listFile = join(staging, "files");
  await writeFile(listFile, `.\n${list.join("\n")}\n`);
  const cpio = join(staging, "initrd.cpio");
  // -R 0:0: every file belongs to root inside the node, whoever built the image.
  await execa("cpio", ["-o", "-H", "newc", "-R", "0:0", "--quiet", "-O", cpio], {
    cancelSignal: t.signal,
    timeout: 120_000,
    cwd: root,
    inputFile: listFile,
  });
  await run("gzip", ["-9", "-n", cpio], t);
  await rename(`${cpio}.gz`, out);
}

/** Builds (or reuses) the node OS; returns the paths of its kernel and initramfs. */
export async function ensureNodeOs(signal: AbortSignal): Promise<NodeOs> {
  const t: Tools = { signal };
  const pkg = await kernelPackage(t);
  const hash = createHash("sha256")
    .update(
      JSON.stringify({
        FORMAT,
        kernel: pkg,
        packages: await Promise.all(PACKAGES.map((p) => packageVersion(p, t))),
        MODULES,
        BINARIES,
        INIT,
        UDHCPC_SCRIPT,
        CURL,
        IN_TARGET,
        SYSTEMCTL,
      }),
    )
    .digest("hex")
    .slice(0, 16);
  const dir = join(NODE_OS_CACHE, hash);
  const result: NodeOs = { kernel: join(dir, "vmlinuz"), initrd: join(dir, "initrd.gz") };
  if ((await exists(result.kernel)) && (await exists(result.initrd))) return result;

  const deb = await kernelDeb(pkg, t);
  const staging = join(NODE_OS_CACHE, `build-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const kernelTree = join(staging, "kernel");
    await mkdir(kernelTree, { recursive: true });
    await run("dpkg-deb", ["-x", deb, kernelTree], t);
    const boot = join(kernelTree, "boot");
    const vmlinuz = (await readdir(boot)).find((f) => f.startsWith("vmlinuz-"));
    if (!vmlinuz) throw new Error(`${basename(deb)} has no boot/vmlinuz-*`);
    const release = vmlinuz.slice("vmlinuz-".length);
    const out = join(staging, "out");
    await mkdir(out);
    await copyFile(join(boot, vmlinuz), join(out, "vmlinuz"));
    await buildInitramfs(
      staging,
      join(kernelTree, "lib/modules", release, "kernel"),
      t,
      join(out, "initrd.gz"),
    );
    try {
      await rename(out, dir);
    } catch (err) {
      // Another build finished first: its result is just as good.
      if (!(await exists(result.initrd))) throw err;
    }
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
