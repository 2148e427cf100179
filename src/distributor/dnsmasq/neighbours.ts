import { readFile } from "node:fs/promises";
import { isIPv4 } from "node:net";
import { isMac } from "../../domain/network.ts";
import type { BootEvent } from "./boot-events.ts";

/**
 * dnsmasq's TFTP lines name only the client's IP, and a UEFI PXE client that takes its
 * boot file from the proxy offer never shows its IP next to its MAC in the DHCP log. The
 * kernel knows the pair, though: to answer over TFTP it has just resolved that IP on the
 * LAN, so the neighbour (ARP) table of the distributor's network holds it.
 */

const INCOMPLETE = "00:00:00:00:00:00";

/** IPv4 → MAC from /proc/net/arp text; incomplete entries are left out. */
export function parseArpTable(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split("\n").slice(1)) {
    const [ip, , flags, mac] = line.trim().split(/\s+/);
    const hw = mac?.toLowerCase();
    if (!ip || !hw || !isIPv4(ip) || !isMac(hw) || hw === INCOMPLETE || flags === "0x0") continue;
    table.set(ip, hw);
  }
  return table;
}

export type ArpTableReader = () => Promise<string>;

export const readProcArp: ArpTableReader = () => readFile("/proc/net/arp", "utf8");

/** The event with its MAC filled in from the neighbour table when the log line lacked one. */
export async function withNeighbourMac(
  event: BootEvent,
  readTable: ArpTableReader = readProcArp,
): Promise<BootEvent> {
  if (event.mac || !event.ip) return event;
  let table: Map<string, string>;
  try {
    table = parseArpTable(await readTable());
  } catch {
    return event;
  }
  const mac = table.get(event.ip);
  return mac ? { ...event, mac } : event;
}
