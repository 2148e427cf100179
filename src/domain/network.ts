import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { badInput } from "./errors.ts";

/**
 * Network values the server stores and the distributor agent applies. Both sides
 * import these, so a value the server accepts is one the agent can use.
 */

/** Shows a refused value safely: quoted, control characters escaped, cut short. */
export function shown(value: unknown): string {
  const text = JSON.stringify(typeof value === "string" ? value : String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

/**
 * One host, one spelling: IPv4-mapped IPv6 becomes IPv4 and IPv6 takes its
 * RFC 5952 form, so `::ffff:a00:1` and `10.0.0.1` are the same node.
 */
export function parseIp(raw: unknown, what = "ip"): string {
  // node:net is strict about the text (no "10.1" or hex octets); ipaddr.js normalises it.
  if (typeof raw !== "string" || raw.length > 64 || isIP(raw) === 0) {
    throw badInput(`${what} must be an IPv4 or IPv6 address, got ${shown(raw)}`);
  }
  const address = ipaddr.process(raw);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).zoneId !== undefined) {
    throw badInput(
      `${what} must not carry a zone id (the part after '%' only means something on the host itself), got ${shown(raw)}`,
    );
  }
  return address.toString();
}

const INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;

/** A Linux interface name: what the kernel accepts, minus "." and "..", which it refuses. */
export function parseInterfaceName(raw: unknown, what = "device"): string {
  if (typeof raw !== "string" || !INTERFACE.test(raw) || raw === "." || raw === "..") {
    throw badInput(
      `${what} must be a network interface name: 1 to 15 letters, digits, '_', '.' or '-', not "." or "..", got ${shown(raw)}`,
    );
  }
  return raw;
}

const MAC = /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** A MAC address in lower case with colons, e.g. 52:54:00:12:34:56. */
export function parseMac(raw: unknown, what = "mac"): string {
  const mac = typeof raw === "string" ? raw.toLowerCase() : "";
  if (!MAC.test(mac)) throw badInput(`${what} must look like 52:54:00:12:34:56, got ${shown(raw)}`);
  return mac;
}

/** The same check without throwing, for parsers that skip lines they do not understand. */
export function isMac(raw: string): boolean {
  return MAC.test(raw.toLowerCase());
}

const IPV4 =
  /^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const DEFAULT_PREFIX = 24;

/**
 * The LAN a proxy-DHCP answers on: "a.b.c.d" (/24 assumed, the seed's style) or
 * "a.b.c.d/n" with n in 8–30; gives the network address and dotted netmask.
 */
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
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const dotted = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
  return { network: dotted((bits & mask) >>> 0), netmask: dotted(mask) };
}
