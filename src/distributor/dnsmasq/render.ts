import { badInput } from "../../domain/errors.ts";

/**
 * Renders the distributor's dnsmasq configuration: proxy-DHCP (the LAN's router keeps
 * handing out addresses; we only add boot information) plus TFTP, DNS off.
 *
 * Every value lands in a line-oriented file whose separators are newline, "," and "#",
 * so each one is checked against an allow-list first and anything else is refused with
 * BAD_USER_INPUT; nothing is escaped or quoted on the way in.
 */
export type DnsmasqConfigInput = {
  /** Network interface to serve, e.g. "eth0" (Linux rules: 1–15 of [A-Za-z0-9_.-]). */
  interface: string;
  /**
   * The LAN the proxy answers on: an IPv4 address inside it (whichever), optionally with a prefix
   * length, e.g. "192.168.178.1" (the seed's style; /24 is assumed) or "10.99.0.0/24".
   * Rendered as the network address plus its dotted netmask. The prefix must be 8–30.
   */
  range: string;
  /** Absolute directory dnsmasq serves over TFTP (iPXE binaries and autoexec.ipxe). */
  tftpRoot: string;
  /** http(s) URL of the boot script that iPXE clients (user class "iPXE") chain to. */
  scriptUrl: string;
  /** TFTP file for firmware PXE on x86-64 UEFI, e.g. "ipxe.efi". */
  uefiBootFile: string;
  /** TFTP file for firmware PXE on BIOS, e.g. "undionly.kpxe". */
  biosBootFile: string;
  /** TFTP file for firmware PXE on ARM64 UEFI, e.g. "ipxe-arm64.efi"; none: not offered. */
  arm64UefiBootFile?: string;
  /** Absolute path of dnsmasq's lease file; proxy mode keeps no leases but dnsmasq opens it. */
  leaseFile?: string;
  /** Absolute path of the pid file; without one dnsmasq writes none. */
  pidFile?: string;
};

const INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
const ABSOLUTE_PATH = /^(?:\/[A-Za-z0-9._-]+)+\/?$/;
const IPV4 =
  /^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
// URL characters that mean nothing special to dnsmasq's parser: no whitespace, quotes,
// backslash, "," (field separator) or "#" (comment).
const URL_CHARS = /^[A-Za-z0-9._~:/?=&%+[\]-]+$/;
/** The URL travels in the 128-byte BOOTP "file" field, NUL included. */
export const MAX_SCRIPT_URL_LENGTH = 127;
const DEFAULT_PREFIX = 24;

/** Shows a refused value safely: quoted, control characters escaped, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(typeof value === "string" ? value : String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

function interfaceName(value: unknown): string {
  if (typeof value !== "string" || !INTERFACE.test(value) || value === "." || value === "..") {
    throw badInput(
      `interface must be a Linux interface name (1–15 of letters, digits, '_', '.', '-'), got ${shown(value)}`,
    );
  }
  return value;
}

function fileName(what: string, value: unknown): string {
  if (typeof value !== "string" || !FILE_NAME.test(value)) {
    throw badInput(
      `${what} must be a file name of letters, digits, '.', '_' or '-' (at most 64, not starting with '.'), got ${shown(value)}`,
    );
  }
  return value;
}

function absolutePath(what: string, value: unknown): string {
  if (
    typeof value !== "string" ||
    value.length > 255 ||
    !ABSOLUTE_PATH.test(value) ||
    value.split("/").some((part) => part === "." || part === "..")
  ) {
    throw badInput(
      `${what} must be an absolute path of letters, digits, '.', '_', '-' and '/' without '.' or '..' parts, got ${shown(value)}`,
    );
  }
  return value;
}

function scriptUrl(value: unknown): string {
  const refuse = (why: string) =>
    badInput(`scriptUrl must be an http(s) URL ${why}, got ${shown(value)}`);
  if (typeof value !== "string") throw refuse("given as a string");
  if (value.length > MAX_SCRIPT_URL_LENGTH) {
    throw refuse(
      `of at most ${MAX_SCRIPT_URL_LENGTH} characters (it travels in the BOOTP file field)`,
    );
  }
  if (!URL_CHARS.test(value)) {
    throw refuse("without whitespace, quotes, backslashes, ',' or '#'");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse("that parses");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refuse("(http or https only)");
  if (url.username || url.password) throw refuse("without credentials (DHCP is not secret)");
  if (!url.hostname) throw refuse("with a host");
  return value;
}

/** Parses "a.b.c.d" or "a.b.c.d/n" into the network address and dotted netmask. */
export function parseProxyRange(value: unknown): { network: string; netmask: string } {
  const refuse = () =>
    badInput(
      `range must be an IPv4 address of the LAN, optionally with a prefix length 8–30 (e.g. 192.168.178.1 or 10.99.0.0/24), got ${shown(value)}`,
    );
  if (typeof value !== "string") throw refuse();
  const [address = "", prefixText, ...rest] = value.split("/");
  if (rest.length > 0 || !IPV4.test(address)) throw refuse();
  let prefix = DEFAULT_PREFIX;
  if (prefixText !== undefined) {
    if (!/^[0-9]{1,2}$/.test(prefixText)) throw refuse();
    prefix = Number(prefixText);
    if (prefix < 8 || prefix > 30) throw refuse();
  }
  const bits = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const dotted = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
  return { network: dotted((bits & mask) >>> 0), netmask: dotted(mask) };
}

/** Last line of defence: no rendered value may break out of its line or field. */
function assertInert(line: string): string {
  if (/[\r\n\0]/.test(line)) throw badInput("a configuration value contains a line break");
  return line;
}

export function renderDnsmasqConfig(input: DnsmasqConfigInput): string {
  const iface = interfaceName(input.interface);
  const { network, netmask } = parseProxyRange(input.range);
  const tftpRoot = absolutePath("tftpRoot", input.tftpRoot);
  const url = scriptUrl(input.scriptUrl);
  const uefi = fileName("uefiBootFile", input.uefiBootFile);
  const bios = fileName("biosBootFile", input.biosBootFile);
  const arm64 =
    input.arm64UefiBootFile === undefined
      ? undefined
      : fileName("arm64UefiBootFile", input.arm64UefiBootFile);
  const leaseFile =
    input.leaseFile === undefined ? undefined : absolutePath("leaseFile", input.leaseFile);
  const pidFile = input.pidFile === undefined ? undefined : absolutePath("pidFile", input.pidFile);

  const lines = [
    "# Generated by the provisioner distributor from validated fields; edits are overwritten.",
    "# DNS off: this dnsmasq only adds boot information to the LAN (proxy-DHCP) and serves TFTP.",
    "port=0",
    `interface=${iface}`,
    "bind-interfaces",
    "# The LAN's router keeps handing out addresses; proxy mode answers PXE clients only.",
    `dhcp-range=${network},proxy,${netmask}`,
    "# iPXE says so in its user class; it gets the script URL instead of another iPXE.",
    "dhcp-userclass=set:ipxe,iPXE",
    "# Boot the first entry at once instead of showing a menu.",
    'pxe-prompt="Booting",0',
    `pxe-service=tag:!ipxe,X86PC,"PXE BIOS",${bios}`,
    `pxe-service=tag:!ipxe,X86-64_EFI,"PXE UEFI",${uefi}`,
    ...(arm64 ? [`pxe-service=tag:!ipxe,ARM64_EFI,"PXE UEFI ARM64",${arm64}`] : []),
    `pxe-service=tag:ipxe,X86PC,"iPXE",${url}`,
    `pxe-service=tag:ipxe,X86-64_EFI,"iPXE",${url}`,
    `pxe-service=tag:ipxe,ARM64_EFI,"iPXE",${url}`,
    "enable-tftp",
    `tftp-root=${tftpRoot}`,
    "# Every DHCP exchange and TFTP transfer is logged; the agent turns them into boot events.",
    "log-dhcp",
    "log-facility=-",
    ...(leaseFile ? [`dhcp-leasefile=${leaseFile}`] : []),
    // An empty pid-file= means none: two distributors on one host must not share one.
    `pid-file=${pidFile ?? ""}`,
  ];
  return `${lines.map(assertInert).join("\n")}\n`;
}
