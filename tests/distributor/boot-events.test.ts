import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import {
  type BootEvent,
  createBootEventParser,
  MAX_DETAIL_LENGTH,
} from "../../src/distributor/dnsmasq/boot-events.ts";
import { parseArpTable, withNeighbourMac } from "../../src/distributor/dnsmasq/neighbours.ts";

/**
 * The inputs are real: the proxy dnsmasq's log (log-dhcp, log-facility=-) captured in
 * tests/distributor/lab-boot.test.ts while a SeaBIOS/iPXE VM and an OVMF VM PXE-booted.
 */

const BIOS_MAC = "52:54:00:10:ff:89";
const UEFI_MAC = "52:54:00:bd:9d:c3";

async function parseFile(name: string): Promise<BootEvent[]> {
  const text = await readFile(new URL(`golden/${name}`, import.meta.url), "utf8");
  const parse = createBootEventParser();
  return text.split("\n").flatMap((line) => parse(line) ?? []);
}

describe("boot events from a real BIOS boot (iPXE ROM, user class iPXE)", () => {
  test("match the golden file", async () => {
    const events = await parseFile("dnsmasq-log-bios.input.log");
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot(
      "golden/dnsmasq-log-bios.events.json",
    );
  });

  test("name the MAC, the client, the boot script, and the files fetched by TFTP", async () => {
    const events = await parseFile("dnsmasq-log-bios.input.log");
    expect(events).toContainEqual({
      kind: "DHCP",
      mac: BIOS_MAC,
      detail: "proxy offer (x86 BIOS, user class iPXE)",
    });
    // The PXE boot-server exchange reveals the IP, so TFTP lines get their MAC from the log.
    expect(events).toContainEqual({
      kind: "DHCP",
      mac: BIOS_MAC,
      ip: "10.99.0.196",
      detail: "boot file http://10.99.0.2:8098/boot.ipxe (vendor class PXEClient, user class iPXE)",
    });
    expect(events.filter((e) => e.kind === "TFTP")).toEqual([
      { kind: "TFTP", mac: BIOS_MAC, ip: "10.99.0.196", detail: "sent vmlinuz" },
      { kind: "TFTP", mac: BIOS_MAC, ip: "10.99.0.196", detail: "sent initrd.gz" },
    ]);
    // The node OS's own DHCP client (udhcp) is nobody's PXE boot.
    expect(events.every((e) => !e.detail.includes("udhcp"))).toBe(true);
  });
});

describe("boot events from a real UEFI boot (OVMF PXE → ipxe.efi → autoexec.ipxe)", () => {
  test("match the golden file", async () => {
    const events = await parseFile("dnsmasq-log-uefi.input.log");
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot(
      "golden/dnsmasq-log-uefi.events.json",
    );
  });

  test("the offered boot files, and TFTP transfers whose MAC the neighbour table supplies", async () => {
    const events = await parseFile("dnsmasq-log-uefi.input.log");
    expect(events).toContainEqual({
      kind: "DHCP",
      mac: UEFI_MAC,
      detail: "boot file ipxe.efi (x86-64 UEFI)",
    });
    expect(events).toContainEqual({
      kind: "DHCP",
      mac: UEFI_MAC,
      detail: "boot file http://10.99.0.2:8098/boot.ipxe (x86-64 UEFI, user class iPXE)",
    });
    const tftp = events.filter((e) => e.kind === "TFTP");
    expect(tftp.map((e) => e.detail)).toEqual([
      "client error 8 User aborted the transfer",
      "sent ipxe.efi",
      "sent ipxe.efi",
      "sent autoexec.ipxe",
      "sent vmlinuz",
      "sent initrd.gz",
    ]);
    // OVMF took its boot file from the proxy offer: the log never pairs its IP with its MAC.
    expect(tftp.every((e) => e.mac === undefined && e.ip === "10.99.0.117")).toBe(true);
    const arp = [
      "IP address       HW type     Flags       HW address            Mask     Device",
      `10.99.0.117      0x1         0x2         ${UEFI_MAC.toUpperCase()}     *        lan0`,
    ].join("\n");
    const enriched = await withNeighbourMac(tftp[1] as BootEvent, async () => arp);
    expect(enriched).toEqual({
      kind: "TFTP",
      mac: UEFI_MAC,
      ip: "10.99.0.117",
      detail: "sent ipxe.efi",
    });
  });
});

describe("hostile or unexpected lines", () => {
  const parse = () => createBootEventParser({ tftpRoot: "/srv/tftp/" });

  test.each([
    [""],
    ["hello world"],
    ["dnsmasq[1]: started, version 2.90 DNS disabled"],
    ["dnsmasq-dhcp[1]: DHCP, proxy on subnet 10.99.0.0"],
    ["dnsmasq-dhcp[1]: 12 PXE(lan0) zz:54:00:10:ff:89 proxy"],
    ["dnsmasq-dhcp[1]: 12 PXE(lan0) 52:54:00:10:ff proxy"],
    ["dnsmasq-dhcp[1]: 12 PXE(lan0) 52:54:00:10:ff:89:aa:bb proxy"],
    ["dnsmasq-dhcp[1]: 12 PXE(lan0) 999.1.1.1 52:54:00:10:ff:89 x.efi"],
    ["dnsmasq-dhcp[1]: PXE(lan0) 52:54:00:10:ff:89 proxy"],
    ["dnsmasq-tftp[1]: sent /srv/tftp/x to 10.99.0.300"],
    ["dnsmasq-tftp[1]: sent /srv/tftp/x to somewhere"],
    ["dnsmasq-dhcp[1]: 12 bootfile name: x.efi"],
    ["dnsmasq-smtp[1]: sent /srv/tftp/x to 10.99.0.3"],
  ])("%j → nothing", (line) => {
    expect(parse()(line)).toBeUndefined();
  });

  test("a client-chosen vendor class is cleaned and capped", () => {
    const p = parse();
    expect(
      p(`dnsmasq-dhcp[1]: 7 vendor class: evil\u0007\u001b[2J${"A".repeat(5000)}`),
    ).toBeUndefined();
    const event = p("dnsmasq-dhcp[1]: 7 PXE(lan0) 52:54:00:AA:bb:cc proxy");
    expect(event?.mac).toBe("52:54:00:aa:bb:cc");
    expect(event?.detail.startsWith("proxy offer (vendor class evil?[2JAAA")).toBe(true);
    expect(event?.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
    expect(event?.detail).not.toMatch(/[^\x20-\x7e…]/);
  });

  test("a client-chosen file name in a TFTP error is cleaned and capped", () => {
    const event = parse()(
      `dnsmasq-tftp[1]: file /srv/tftp/${"../".repeat(100)}\u0000etc/passwd not found for 10.99.0.9`,
    );
    expect(event?.kind).toBe("TFTP");
    expect(event?.ip).toBe("10.99.0.9");
    expect(event?.detail.startsWith("not found ../../")).toBe(true);
    expect(event?.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
    expect(event?.detail).not.toContain("\u0000");
  });

  test("timestamps before the program name (dnsmasq logging to a file) are fine", () => {
    expect(
      parse()("Nov 25 15:57:47 dnsmasq-tftp[9]: sent /srv/tftp/ipxe.efi to 10.99.0.4"),
    ).toEqual({ kind: "TFTP", ip: "10.99.0.4", detail: "sent ipxe.efi" });
  });

  test("a failed transfer and the state it keeps are reported", () => {
    const p = parse();
    p("dnsmasq-dhcp[1]: 0 PXE(lan0) 10.99.0.4 52:54:00:00:00:04 undionly.kpxe");
    expect(p("dnsmasq-tftp[1]: failed sending /srv/tftp/undionly.kpxe to 10.99.0.4")).toEqual({
      kind: "TFTP",
      mac: "52:54:00:00:00:04",
      ip: "10.99.0.4",
      detail: "failed sending undionly.kpxe",
    });
  });

  test("plain DHCP lines (dnsmasq handing out addresses itself) name MAC and IP", () => {
    const p = parse();
    expect(p("dnsmasq-dhcp[1]: 5 DHCPDISCOVER(lan0) 52:54:00:00:00:05")).toEqual({
      kind: "DHCP",
      mac: "52:54:00:00:00:05",
      detail: "DHCPDISCOVER",
    });
    expect(p("dnsmasq-dhcp[1]: 5 DHCPACK(lan0) 10.99.0.5 52:54:00:00:00:05 node5")).toEqual({
      kind: "DHCP",
      mac: "52:54:00:00:00:05",
      ip: "10.99.0.5",
      detail: "DHCPACK",
    });
    expect(p("dnsmasq-tftp[1]: sent /srv/tftp/a.efi to 10.99.0.5")?.mac).toBe("52:54:00:00:00:05");
  });

  test("its memory is bounded: many transactions do not keep every one", () => {
    const p = parse();
    p("dnsmasq-dhcp[1]: 1 vendor class: PXEClient:Arch:00007:UNDI:003000");
    for (let i = 2; i < 5000; i++) p(`dnsmasq-dhcp[1]: ${i} vendor class: PXEClient:Arch:00000`);
    // Transaction 1 was forgotten, so its offer no longer names the architecture.
    expect(p("dnsmasq-dhcp[1]: 1 PXE(lan0) 52:54:00:00:00:01 proxy")?.detail).toBe("proxy offer");
  });
});

describe("parseArpTable", () => {
  test("keeps complete IPv4 entries, lower-cased", () => {
    const table = parseArpTable(
      [
        "IP address       HW type     Flags       HW address            Mask     Device",
        "10.99.0.117      0x1         0x2         52:54:00:BD:9D:C3     *        lan0",
        "10.99.0.118      0x1         0x0         00:00:00:00:00:00     *        lan0",
        "bogus            0x1         0x2         52:54:00:bd:9d:c4     *        lan0",
        "10.99.0.119      0x1         0x2         not-a-mac             *        lan0",
      ].join("\n"),
    );
    expect([...table]).toEqual([["10.99.0.117", "52:54:00:bd:9d:c3"]]);
  });

  test("an unreadable table leaves the event as it was", async () => {
    const event: BootEvent = { kind: "TFTP", ip: "10.99.0.1", detail: "sent x" };
    expect(
      await withNeighbourMac(event, async () => {
        throw new Error("no /proc");
      }),
    ).toBe(event);
  });
});
