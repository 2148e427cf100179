import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import {
  type DnsmasqConfigInput,
  MAX_SCRIPT_URL_LENGTH,
  renderDnsmasqConfig,
} from "../../src/distributor/dnsmasq/render.ts";
import { DomainError } from "../../src/domain/errors.ts";
import { parseProxyRange } from "../../src/domain/network.ts";

const FULL: DnsmasqConfigInput = {
  interface: "enp0s25",
  range: "192.168.178.1",
  tftpRoot: "/var/lib/provisioner/tftp",
  scriptUrl: "http://10.99.0.2:8080/api/mainscripts/1",
  uefiBootFile: "ipxe.efi",
  biosBootFile: "undionly.kpxe",
  arm64UefiBootFile: "ipxe-arm64.efi",
  leaseFile: "/var/lib/provisioner/dnsmasq.leases",
  pidFile: "/run/provisioner/dnsmasq.pid",
};

const MINIMAL: DnsmasqConfigInput = {
  interface: "lan0",
  range: "10.99.0.0/24",
  tftpRoot: "/srv/tftp",
  scriptUrl: "https://boot.example.test/boot.ipxe",
  uefiBootFile: "snponly.efi",
  biosBootFile: "undionly.kpxe",
};

function refusal(input: Partial<DnsmasqConfigInput> & Record<string, unknown>): DomainError {
  try {
    renderDnsmasqConfig({ ...FULL, ...input } as DnsmasqConfigInput);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe("renderDnsmasqConfig", () => {
  test("every option matches the golden file", async () => {
    await expect(renderDnsmasqConfig(FULL)).toMatchFileSnapshot("golden/dnsmasq-proxy.conf");
  });

  test("without the optional fields matches the golden file", async () => {
    await expect(renderDnsmasqConfig(MINIMAL)).toMatchFileSnapshot(
      "golden/dnsmasq-proxy-minimal.conf",
    );
  });

  test("dnsmasq itself accepts both configurations", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dnsmasq-render-"));
    try {
      for (const [name, input] of Object.entries({ FULL, MINIMAL })) {
        const file = join(dir, `${name}.conf`);
        await writeFile(file, renderDnsmasqConfig(input));
        const result = await execa("dnsmasq", ["--test", `--conf-file=${file}`], {
          reject: false,
          timeout: 10_000,
        });
        expect(`${result.exitCode} ${result.stderr}`).toBe("0 dnsmasq: syntax check OK.");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("turns DNS off, binds to the interface and never announces addresses of its own", () => {
    const config = renderDnsmasqConfig(MINIMAL);
    expect(config).toContain("\nport=0\n");
    expect(config).toContain("\ninterface=lan0\nbind-interfaces\n");
    expect(config).toContain("\ndhcp-range=10.99.0.0,proxy,255.255.255.0\n");
    expect(config).not.toContain('ARM64_EFI,"PXE');
    expect(config).toContain(
      'pxe-service=tag:ipxe,ARM64_EFI,"iPXE",https://boot.example.test/boot.ipxe',
    );
    expect(config.endsWith("pid-file=\n")).toBe(true);
  });
});

describe("parseProxyRange", () => {
  test.each([
    ["192.168.178.1", "192.168.178.0", "255.255.255.0"],
    ["10.99.0.0/24", "10.99.0.0", "255.255.255.0"],
    ["10.1.2.3/16", "10.1.0.0", "255.255.0.0"],
    ["10.99.0.77/30", "10.99.0.76", "255.255.255.252"],
    ["172.20.5.9/8", "172.0.0.0", "255.0.0.0"],
    ["10.128.0.1/9", "10.128.0.0", "255.128.0.0"],
  ])("%s → %s/%s", (range, network, netmask) => {
    expect(parseProxyRange(range)).toEqual({ network, netmask });
  });
});

describe("refuses what could break out of its line or field", () => {
  const smuggled = ["\n", "\r", ",", "#", '"', "'", " ", "\t", "\\", "\0"];

  test.each(smuggled)("%j in any field", (bad) => {
    const fields: Array<keyof DnsmasqConfigInput> = [
      "interface",
      "range",
      "tftpRoot",
      "scriptUrl",
      "uefiBootFile",
      "biosBootFile",
      "arm64UefiBootFile",
      "leaseFile",
      "pidFile",
    ];
    for (const field of fields) {
      const value = `${FULL[field]}${bad}x`;
      const err = refusal({ [field]: value });
      expect(err.code).toBe("BAD_USER_INPUT");
      expect(err.message).toContain(field);
      // The refused value is quoted with escapes, so the message stays one line.
      expect(err.message).not.toMatch(/[\n\r\0]/);
    }
  });

  test.each([
    ["interface", "a-name-longer-than-15"],
    ["interface", ""],
    ["interface", ".."],
    ["interface", "eth0/x"],
    ["interface", "eth0:1"],
    ["range", "10.99.0"],
    ["range", "10.99.0.256"],
    ["range", "010.99.0.1"],
    ["range", "10.99.0.0/7"],
    ["range", "10.99.0.0/31"],
    ["range", "10.99.0.0/24/1"],
    ["range", "fe80::1"],
    ["range", "10.99.0.1,proxy"],
    ["tftpRoot", "relative/tftp"],
    ["tftpRoot", "/srv/../etc"],
    ["tftpRoot", "/srv/./tftp"],
    ["tftpRoot", "/srv/tftp;rm"],
    ["leaseFile", "leases"],
    ["pidFile", "/run/$(id).pid"],
    ["scriptUrl", "ftp://10.99.0.2/boot.ipxe"],
    ["scriptUrl", "tftp://10.99.0.2/boot.ipxe"],
    ["scriptUrl", "file:///etc/passwd"],
    ["scriptUrl", "http://user:secret@10.99.0.2/boot.ipxe"],
    ["scriptUrl", "http://10.99.0.2/a,b"],
    ["scriptUrl", "http://10.99.0.2/#x"],
    ["scriptUrl", "http://10.99.0.2/$(reboot)"],
    ["scriptUrl", `http://10.99.0.2/${"a".repeat(MAX_SCRIPT_URL_LENGTH)}`],
    ["scriptUrl", "not a url"],
    ["uefiBootFile", ".hidden"],
    ["uefiBootFile", "../ipxe.efi"],
    ["uefiBootFile", "dir/ipxe.efi"],
    ["biosBootFile", ""],
    ["biosBootFile", `${"a".repeat(65)}`],
    ["arm64UefiBootFile", "ipxe arm64.efi"],
  ])("%s = %j", (field, value) => {
    const err = refusal({ [field]: value });
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toContain(field);
  });

  test("a value of the wrong type", () => {
    expect(refusal({ interface: 42 as unknown as string }).message).toMatch(/^interface must/);
    expect(refusal({ range: undefined as unknown as string }).message).toMatch(/^range must/);
  });

  test("accepts the longest URL that fits the BOOTP file field", () => {
    const url = `http://10.99.0.2/${"a".repeat(MAX_SCRIPT_URL_LENGTH - "http://10.99.0.2/".length)}`;
    expect(url).toHaveLength(MAX_SCRIPT_URL_LENGTH);
    expect(renderDnsmasqConfig({ ...FULL, scriptUrl: url })).toContain(url);
  });
});
