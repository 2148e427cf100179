import { isIPv4 } from "node:net";
import { isMac } from "../../domain/network.ts";

/**
 * Turns dnsmasq's log lines (log-dhcp, TFTP) into boot events: which MAC is PXE-booting,
 * what it was told, which file it fetched. Lines come from a process that echoes data
 * chosen by whoever is on the LAN (vendor classes, requested file names), so only
 * validated MACs and IPv4 addresses pass, and the detail text is printable ASCII, capped.
 *
 * The parser keeps a little state, bounded: per DHCP transaction the vendor and user
 * class (logged on lines before the one that names the MAC), the IP → MAC pairs that the
 * PXE boot-server exchange reveals (TFTP lines only name the IP), and the TFTP root
 * (so file names are shown relative to it).
 */

export type BootEventKind = "DHCP" | "TFTP";

export type BootEvent = {
  kind: BootEventKind;
  /** Lower-case, colon-separated, 6 octets. */
  mac?: string;
  ip?: string;
  detail: string;
};

export type BootEventParserOptions = {
  /** The TFTP root, when known up front; otherwise taken from dnsmasq's "TFTP root is" line. */
  tftpRoot?: string;
};

export const MAX_DETAIL_LENGTH = 200;
const MAX_FIELD_LENGTH = 100;
const MAX_REMEMBERED = 512;

const PREFIX = /(?:^|\s)dnsmasq-(dhcp|tftp)(?:\[[0-9]+\])?: (.*)$/;

// PXE client architectures (RFC 4578 and IANA "Processor Architecture Types").
const ARCHITECTURES: Record<number, string> = {
  0: "x86 BIOS",
  6: "x86 UEFI",
  7: "x86-64 UEFI",
  9: "x86-64 UEFI",
  10: "ARM32 UEFI",
  11: "ARM64 UEFI",
  16: "x86-64 UEFI HTTP",
  19: "ARM64 UEFI HTTP",
};

/** Printable ASCII only, runs of anything else as one "?", cut to `max`. */
function clean(text: string, max = MAX_FIELD_LENGTH): string {
  const printable = text.replace(/[^\x20-\x7e]+/g, "?").trim();
  return printable.length > max ? `${printable.slice(0, max - 1)}…` : printable;
}

function macOf(text: string | undefined): string | undefined {
  return text && isMac(text) ? text.toLowerCase() : undefined;
}

function ipOf(text: string | undefined): string | undefined {
  return text && isIPv4(text) ? text : undefined;
}

function event(kind: BootEventKind, detail: string, mac?: string, ip?: string): BootEvent {
  return {
    kind,
    ...(mac ? { mac } : {}),
    ...(ip ? { ip } : {}),
    detail: clean(detail, MAX_DETAIL_LENGTH),
  };
}

/** A Map that forgets its oldest entries beyond MAX_REMEMBERED. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

type Transaction = {
  vendorClass?: string;
  userClass?: string;
  /** MAC of a proxy offer in this transaction; its boot file follows on a later line. */
  offeredTo?: string;
};

function describeClient(tx: Transaction | undefined): string {
  const parts: string[] = [];
  const arch = /^PXEClient:Arch:([0-9]{5})/.exec(tx?.vendorClass ?? "")?.[1];
  if (arch !== undefined) {
    const code = Number(arch);
    parts.push(ARCHITECTURES[code] ?? `architecture ${code}`);
  } else if (tx?.vendorClass) {
    parts.push(`vendor class ${clean(tx.vendorClass, 40)}`);
  }
  if (tx?.userClass) parts.push(`user class ${clean(tx.userClass, 40)}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export function createBootEventParser(
  opts: BootEventParserOptions = {},
): (line: string) => BootEvent | undefined {
  let tftpRoot = opts.tftpRoot?.replace(/\/+$/, "");
  const transactions = new Map<string, Transaction>();
  const macByIp = new Map<string, string>();

  const relativeToRoot = (path: string) =>
    tftpRoot && path.startsWith(`${tftpRoot}/`) ? path.slice(tftpRoot.length + 1) : path;

  const dhcp = (body: string): BootEvent | undefined => {
    const [, xid = "", message = ""] = /^([0-9]+) (.*)$/.exec(body) ?? [];
    if (!xid) return undefined;
    const bootfile = /^bootfile name: (\S+)$/.exec(message);
    if (bootfile) {
      const tx = transactions.get(xid);
      if (!tx?.offeredTo || !bootfile[1]) return undefined;
      return event("DHCP", `boot file ${clean(bootfile[1])}${describeClient(tx)}`, tx.offeredTo);
    }
    const field = /^(vendor|user) class: (.*)$/.exec(message);
    if (field) {
      const tx = { ...transactions.get(xid) };
      if (field[1] === "vendor") tx.vendorClass = clean(field[2] ?? "");
      else tx.userClass = clean(field[2] ?? "");
      remember(transactions, xid, tx);
      return undefined;
    }

    // Proxy offer to a PXE client: "PXE(lan0) 52:54:00:12:34:56 proxy" (or "proxy-ignored").
    const offer = /^PXE\([^)]{1,16}\) (\S+) (proxy(?:-ignored)?)$/.exec(message);
    if (offer) {
      const mac = macOf(offer[1]);
      if (!mac) return undefined;
      if (offer[2] === "proxy")
        remember(transactions, xid, { ...transactions.get(xid), offeredTo: mac });
      const what = offer[2] === "proxy" ? "proxy offer" : "proxy offer withheld";
      return event("DHCP", `${what}${describeClient(transactions.get(xid))}`, mac);
    }

    // Boot-server answer (port 4011), which names the client's address and its boot file:
    // "PXE(lan0) 10.99.0.123 52:54:00:12:34:56 http://10.99.0.2:8098/boot.ipxe".
    const boot = /^PXE\([^)]{1,16}\) (\S+) (\S+)(?: (\S+))?$/.exec(message);
    if (boot) {
      const ip = ipOf(boot[1]);
      const mac = macOf(boot[2]);
      if (!ip || !mac) return undefined;
      remember(macByIp, ip, mac);
      const file = boot[3] ? ` ${clean(boot[3])}` : "";
      return event("DHCP", `boot file${file}${describeClient(transactions.get(xid))}`, mac, ip);
    }

    // Ordinary DHCP (when dnsmasq hands out addresses itself): "DHCPACK(lan0) IP MAC [name]".
    const plain =
      /^DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK|INFORM|RELEASE|DECLINE)\([^)]{1,16}\) (.*)$/.exec(
        message,
      );
    if (plain) {
      const words = (plain[2] ?? "").split(" ");
      const ip = ipOf(words[0]);
      const mac = macOf(ip ? words[1] : words[0]);
      if (!mac) return undefined;
      if (ip && (plain[1] === "ACK" || plain[1] === "OFFER")) remember(macByIp, ip, mac);
      return event("DHCP", `DHCP${plain[1]}${describeClient(transactions.get(xid))}`, mac, ip);
    }
    return undefined;
  };

  const tftp = (body: string): BootEvent | undefined => {
    const root = /^TFTP root is (.+)$/.exec(body);
    if (root?.[1]) {
      tftpRoot ??= root[1].trim().replace(/\/+$/, "");
      return undefined;
    }
    const patterns: Array<[RegExp, string]> = [
      [/^sent (.+) to (\S+)$/, "sent"],
      [/^failed sending (.+) to (\S+)$/, "failed sending"],
      [/^file (.+) not found for (\S+)$/, "not found"],
    ];
    for (const [pattern, verb] of patterns) {
      const match = pattern.exec(body);
      const ip = ipOf(match?.[2]);
      if (match?.[1] && ip) {
        return event("TFTP", `${verb} ${clean(relativeToRoot(match[1]))}`, macByIp.get(ip), ip);
      }
    }
    const error = /^error ([0-9]{1,5}) (.*) received from (\S+)$/.exec(body);
    const errorIp = ipOf(error?.[3]);
    if (error && errorIp) {
      return event(
        "TFTP",
        `client error ${error[1]} ${clean(error[2] ?? "")}`,
        macByIp.get(errorIp),
        errorIp,
      );
    }
    return undefined;
  };

  return (line) => {
    const match = PREFIX.exec(line);
    if (!match) return undefined;
    return match[1] === "dhcp" ? dhcp(match[2] ?? "") : tftp(match[2] ?? "");
  };
}
