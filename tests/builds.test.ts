import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD_CHANGED } from "../src/resolvers/builds.ts";
import { BUILD_FIELDS, type BuildView, createIpxe, waitForBuild } from "./helpers/builds.ts";
import { startTestServer, type TestServer } from "./helpers/test-server.ts";
import { collect, subscribed, wsClient } from "./helpers/ws-client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL: "http://127.0.0.1:1" });
});
afterAll(() => server?.stop());

/** Artifact URLs carry PUBLIC_URL; the test reaches the same server on its real port. */
const local = (url: string) => url.replace("http://127.0.0.1:1", server.url);

async function count(kind: string): Promise<number> {
  const r = await server.gql<Record<string, { totalCount: number }>>(`{ ${kind} { totalCount } }`);
  return r.data?.[kind]?.totalCount ?? -1;
}

async function jobCount(): Promise<number> {
  const postgres = (await import("postgres")).default;
  const sql = postgres(server.database.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from pgboss.job`;
    return row?.n ?? -1;
  } finally {
    await sql.end();
  }
}

describe("iPXE builds", () => {
  it("go QUEUED → WORKING → DONE, streamed by buildProgress, with downloadable files", async () => {
    const script = `#!ipxe\ndhcp\nchain http://10.0.2.2/api/mainscripts/1\n${"# long\n".repeat(5000)}`;
    const client = wsClient(server.url, server.token);
    try {
      const created = await createIpxe(server, {
        script,
        platform: "bin-x86_64-efi",
        driver: "ipxe",
        extension: "efi",
      });
      expect(created.status).toBe("QUEUED");
      expect(created.progress).toBe(0);
      const updates = await collect<{ buildProgress: BuildView }>(
        client,
        `subscription($id: ID!) { buildProgress(id: $id) { ${BUILD_FIELDS} } }`,
        { id: created.id },
        1000,
      ).done;
      const statuses = updates.map((u) => u.buildProgress.status);
      expect(statuses.at(-1)).toBe("DONE");
      expect(statuses.every((s) => ["QUEUED", "WORKING", "DONE"].includes(s))).toBe(true);
      const progress = updates.map((u) => u.buildProgress.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      const done = updates.at(-1)?.buildProgress as BuildView;
      expect(done.progress).toBe(100);
      expect(done.files.map((f) => f.name).sort()).toEqual(["autoexec.ipxe", "ipxe.efi"]);
      const scriptFile = done.files.find((f) => f.name === "autoexec.ipxe");
      const res = await fetch(local(scriptFile?.url ?? ""));
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(`"${scriptFile?.sha256}"`);
      expect(Number(res.headers.get("content-length"))).toBe(scriptFile?.size);
      expect(await res.text()).toBe(script);

      const binary = done.files.find((f) => f.name === "ipxe.efi");
      const bytes = Buffer.from(await (await fetch(local(binary?.url ?? ""))).arrayBuffer());
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(binary?.sha256);
      expect(bytes.subarray(0, 2).toString()).toBe("MZ");

      const head = await fetch(local(binary?.url ?? ""), { method: "HEAD" });
      expect(head.headers.get("content-length")).toBe(String(binary?.size));
      const cached = await fetch(local(binary?.url ?? ""), {
        headers: { "if-none-match": `"${binary?.sha256}"` },
      });
      expect(cached.status).toBe(304);
    } finally {
      await client.dispose();
    }
  });

  it.each([
    ["bin-x86_64-efi", "snponly", "efi", "snponly.efi"],
    ["bin-arm64-efi", "ipxe", "efi", "ipxe.efi"],
    ["bin-x86_64-pcbios", "ipxe", "kpxe", "ipxe.kpxe"],
    ["bin-x86_64-pcbios", "undionly", "kpxe", "undionly.kpxe"],
    ["bin", "ipxe", "lkrn", "ipxe.lkrn"],
  ])("builds %s/%s/%s", async (platform, driver, extension, file) => {
    const created = await createIpxe(server, { script: "echo hi", platform, driver, extension });
    const done = await waitForBuild(server, created.id);
    expect(done.status).toBe("DONE");
    expect(done.files.map((f) => f.name).sort()).toEqual(["autoexec.ipxe", file].sort());
  });
});

describe("bad build requests are refused and queue nothing", () => {
  const ipxe = (fields: Record<string, string>) =>
    server.gql(`mutation($input: CreateIpxeInput!) { createIpxe(input: $input) { id } }`, {
      input: {
        script: "#!ipxe",
        platform: "bin-x86_64-efi",
        driver: "ipxe",
        extension: "efi",
        ...fields,
      },
    });

  it.each([
    [
      "an unsupported combination",
      { platform: "bin-x86_64-efi", driver: "undionly", extension: "kpxe" },
      /supported: .*bin-x86_64-efi\/ipxe\/efi/,
    ],
    ["a platform with /", { platform: "bin/../x" }, /platform/],
    ["a platform with ..", { platform: ".." }, /platform/],
    ["a driver with a newline", { driver: "ipxe\nEMBED=x" }, /driver/],
    ["an extension with shell characters", { extension: "efi;rm -rf /" }, /extension/],
  ])("%s", async (_name, fields, message) => {
    const [builds, jobs] = [await count("ipxes"), await jobCount()];
    const r = await ipxe(fields);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toMatch(message);
    expect([await count("ipxes"), await jobCount()]).toEqual([builds, jobs]);
  });

  it("GRUB: unknown fragment or architecture, label over 32 characters", async () => {
    const before = await count("grubs");
    for (const input of [
      { label: "BOOT", architecture: "x64", fragment: "iso" },
      { label: "BOOT", architecture: "arm", fragment: "img" },
      { label: "x".repeat(33), architecture: "x64", fragment: "img" },
      { label: "a\nb", architecture: "x64", fragment: "img" },
    ]) {
      const r = await server.gql(
        `mutation($input: CreateGrubInput!) { createGrub(input: $input) { id } }`,
        { input },
      );
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe("BAD_USER_INPUT");
    }
    expect(await count("grubs")).toBe(before);
  });

  it("SYSLINUX: anything but the three fragments", async () => {
    const r = await server.gql(
      `mutation { createSyslinux(input: { fragment: "menu.c32" }) { id } }`,
    );
    expect(r.errors?.[0]?.message).toMatch(/ldlinux\.c32, isolinux\.bin, isohdpfx\.bin/);
  });

  it("ISO: missing builds, builds of the wrong kind, foreign URLs", async () => {
    const lkrn = await waitForBuild(
      server,
      (
        await createIpxe(server, {
          script: "echo",
          platform: "bin",
          driver: "ipxe",
          extension: "lkrn",
        })
      ).id,
    );
    const base = {
      label: "PROVISIONER",
      ipxeUefi: "99999",
      ipxeBios: lkrn.id,
      grubImg: "1",
      grubEfiX64: "1",
      grubEfiX86: "1",
      ldLinux: "1",
      isolinuxBin: "1",
      isohdpfxBin: "1",
    };
    const create = (input: Record<string, string>) =>
      server.gql(`mutation($input: CreateIsoInput!) { createIso(input: $input) { id } }`, {
        input,
      });
    const missing = await create(base);
    expect(missing.errors?.[0]?.message).toMatch(/ipxeUefi: build 99999 does not exist/);
    const wrongKind = await create({ ...base, ipxeUefi: lkrn.id });
    expect(wrongKind.errors?.[0]?.message).toMatch(
      /ipxeUefi must be a ipxe build with platform bin-x86_64-efi/,
    );
    const { ipxeUefi: _, ...rest } = base;
    const foreign = await create({
      ...rest,
      ipxeUefiUrl: `http://198.51.100.7/artifacts/ipxes/${lkrn.artifactId}/ipxe.lkrn`,
    });
    expect(foreign.errors?.[0]?.message).toMatch(
      /must be a build id or an \/artifacts\/ URL of this server/,
    );
    const both = await create({ ...base, ipxeUefiUrl: "http://127.0.0.1:1/x" });
    expect(both.errors?.[0]?.message).toMatch(/exactly one of ipxeUefi or ipxeUefiUrl/);
    const longLabel = await create({ ...base, label: "L".repeat(33) });
    expect(longLabel.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await count("isos")).toBe(0);
  });
});

describe("ISO inputs as this server's artifact URLs (the seed's …Url fields)", () => {
  it("are accepted and build like ids", async () => {
    {
      const mk = async (mutation: string, input: Record<string, string>) => {
        const r = await server.gql<Record<string, BuildView>>(
          `mutation($input: ${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${BUILD_FIELDS} } }`,
          { input },
        );
        const created = Object.values(r.data ?? {})[0];
        if (!created) throw new Error(JSON.stringify(r.errors));
        return waitForBuild(server, created.id);
      };
      const script = { script: "#!ipxe\necho url", driver: "ipxe" };
      const inputs = {
        ipxeUefi: await mk("createIpxe", {
          ...script,
          platform: "bin-x86_64-efi",
          extension: "efi",
        }),
        ipxeBios: await mk("createIpxe", { ...script, platform: "bin", extension: "lkrn" }),
        grubImg: await mk("createGrub", { label: "URLS", architecture: "x64", fragment: "img" }),
        grubEfiX64: await mk("createGrub", { label: "URLS", architecture: "x64", fragment: "efi" }),
        grubEfiX86: await mk("createGrub", { label: "URLS", architecture: "x86", fragment: "efi" }),
        ldLinux: await mk("createSyslinux", { fragment: "ldlinux.c32" }),
        isolinuxBin: await mk("createSyslinux", { fragment: "isolinux.bin" }),
        isohdpfxBin: await mk("createSyslinux", { fragment: "isohdpfx.bin" }),
      };
      const urls = Object.fromEntries(
        Object.entries(inputs).map(([slot, b]) => [`${slot}Url`, b.files[0]?.url ?? ""]),
      );
      const iso = await mk("createIso", { label: "URLS", ...urls });
      expect(iso.status).toBe("DONE");
      expect(iso.files.map((f) => f.name)).toEqual(["dist.iso"]);
    }
  }, 60_000);

  it("`builds` delivers QUEUED, WORKING and DONE of a build", async () => {
    const client = wsClient(server.url, server.token);
    try {
      // Keep every build's statuses: events may arrive before the mutation's answer.
      const seen = new Map<string, string[]>();
      const listening = server.deps.bus.listenerCount(BUILD_CHANGED);
      const updates = client.iterate<{ builds: { id: string; status: string } }>({
        query: "subscription { builds { id status } }",
      });
      let id = "";
      const reading = (async () => {
        for await (const update of updates) {
          const build = update.data?.builds;
          if (!build) continue;
          seen.set(build.id, [...(seen.get(build.id) ?? []), build.status]);
          if (id && seen.get(id)?.includes("DONE")) break;
        }
      })();
      await subscribed(server.deps.bus, BUILD_CHANGED, listening);
      id = (
        await createIpxe(server, {
          script: "echo",
          platform: "bin",
          driver: "ipxe",
          extension: "lkrn",
        })
      ).id;
      await waitForBuild(server, id);
      await Promise.race([reading, new Promise((r) => setTimeout(r, 5000))]);
      const statuses = seen.get(id) ?? [];
      expect(statuses[0]).toBe("QUEUED");
      expect(statuses).toContain("WORKING");
      expect(statuses.at(-1)).toBe("DONE");
    } finally {
      await client.dispose();
    }
  });
});

describe("artifact downloads", () => {
  it("answer 400 for malformed paths and 404 for unknown builds or files", async () => {
    expect((await fetch(`${server.url}/artifacts/isos/nope/dist.iso`)).status).toBe(400);
    expect(
      (await fetch(`${server.url}/artifacts/isos/00000000-0000-0000-0000-000000000000/..%2Fpasswd`))
        .status,
    ).toBe(400);
    expect(
      (await fetch(`${server.url}/artifacts/isos/00000000-0000-0000-0000-000000000000/dist.iso`))
        .status,
    ).toBe(404);
    const done = await waitForBuild(
      server,
      (
        await createIpxe(server, {
          script: "echo",
          platform: "bin",
          driver: "ipxe",
          extension: "lkrn",
        })
      ).id,
    );
    const other = await fetch(`${server.url}/artifacts/ipxes/${done.artifactId}/other.bin`);
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/has no file other\.bin/);
  });
});
