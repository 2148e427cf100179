import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Command } from "commander";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import { type ApiClient, CliError, type GlobalOptions, resolveToken } from "../client.ts";
import {
  type BuildFieldsFragment,
  BuildProgressDocument,
  CreateGrubDocument,
  CreateIpxeDocument,
  CreateIsoDocument,
  CreateSyslinuxDocument,
  DeleteBuildDocument,
  GetBuildDocument,
  ListGrubsDocument,
  ListIpxesDocument,
  ListIsosDocument,
  ListSyslinuxsDocument,
} from "../generated/graphql.ts";
import { noteMore, printOne, printRows } from "../output.ts";
import { createProgressBar } from "../progress-bar.ts";

type Build = BuildFieldsFragment;
type WaitOptions = { wait?: boolean; output?: string };

/** Follows buildProgress over graphql-ws until DONE/FAILED, drawing a progress bar. */
async function waitFor(client: ApiClient, options: GlobalOptions, build: Build): Promise<Build> {
  const ws = createClient({
    url: `${client.server.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${resolveToken(options) ?? ""}` },
    retryAttempts: 3,
  });
  const bar = createProgressBar(`${build.__typename.toLowerCase()} ${build.id}`);
  try {
    let last = build;
    const updates = ws.iterate<{ buildProgress: Build }>({
      query: print(BuildProgressDocument),
      variables: { id: build.id },
    });
    for await (const update of updates) {
      if (update.errors?.length) throw new CliError(update.errors.map((e) => e.message).join("; "));
      if (!update.data) continue;
      last = update.data.buildProgress;
      bar.update(last.status, last.progress);
      if (last.status === "DONE" || last.status === "FAILED") break;
    }
    return last;
  } finally {
    bar.finish();
    await ws.dispose();
  }
}

/** Downloads through --server (PUBLIC_URL may name an address only booting hosts reach). */
async function download(
  client: ApiClient,
  file: Build["files"][number],
  target: string,
): Promise<void> {
  const url = `${client.server}${new URL(file.url).pathname}`;
  const response = await fetch(url);
  if (!response.ok || !response.body)
    throw new CliError(`download of ${file.name} failed: HTTP ${response.status}`);
  const temp = `${target}.partial`;
  const hash = createHash("sha256");
  try {
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(temp));
    if (hash.digest("hex") !== file.sha256)
      throw new CliError(`download of ${file.name} is corrupt (sha256 differs)`);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}

/** -o FILE for one file; for several files (an iPXE bundle) -o names a directory. */
async function save(client: ApiClient, build: Build, output: string): Promise<string[]> {
  const [only] = build.files;
  if (
    build.files.length === 1 &&
    only &&
    !(await stat(output).catch(() => undefined))?.isDirectory()
  ) {
    await download(client, only, output);
    return [output];
  }
  await mkdir(output, { recursive: true });
  const written: string[] = [];
  for (const file of build.files) {
    const target = path.join(output, file.name);
    await download(client, file, target);
    written.push(target);
  }
  return written;
}

async function finish(
  client: ApiClient,
  options: GlobalOptions & WaitOptions,
  created: Build,
): Promise<void> {
  let build = created;
  if (options.wait || options.output) build = await waitFor(client, options, created);
  if (build.status === "FAILED")
    throw new CliError(`build ${build.id} FAILED: ${build.error ?? "no reason given"}`);
  const saved =
    options.output && build.status === "DONE" ? await save(client, build, options.output) : [];
  const files = build.files.map((f) => f.url).join(" ");
  printOne(
    {
      id: build.id,
      kind: build.__typename,
      status: build.status,
      artifactId: build.artifactId,
      files,
      saved: saved.join(" "),
    },
    options.json,
  );
}

const withWait = (cmd: Command) =>
  cmd
    .option("--wait", "follow the build's progress until it is DONE or FAILED")
    .option(
      "-o, --output <path>",
      "download the result (implies --wait); a directory for several files",
    );

async function readScriptFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const ISO_FLAGS = [
  ["ipxeUefi", "--ipxe-uefi <id>"],
  ["ipxeBios", "--ipxe-bios <id>"],
  ["grubImg", "--grub-img <id>"],
  ["grubEfiX64", "--grub-efi-x64 <id>"],
  ["grubEfiX86", "--grub-efi-x86 <id>"],
  ["ldLinux", "--ld-linux <id>"],
  ["isolinuxBin", "--isolinux-bin <id>"],
  ["isohdpfxBin", "--isohdpfx-bin <id>"],
] as const;

/** `provisioner ipxe|grub|syslinux|iso create … [--wait] [-o PATH]`, `… ls`, `build get ID`. */
export function registerBuildCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  const ipxe = program
    .command("ipxe")
    .description("iPXE bundles (Debian trixie iPXE + embedded script)");
  withWait(
    ipxe
      .command("create")
      .requiredOption("--script <file>", "iPXE script to embed")
      .option(
        "--platform <p>",
        "bin-x86_64-efi | bin-arm64-efi | bin-x86_64-pcbios | bin",
        "bin-x86_64-efi",
      )
      .option("--driver <d>", "ipxe | snponly | undionly", "ipxe")
      .option("--extension <e>", "efi | kpxe | lkrn", "efi"),
  ).action(
    async (
      o: WaitOptions & { script: string; platform: string; driver: string; extension: string },
      c: Command,
    ) => {
      const g = { ...c.optsWithGlobals<GlobalOptions>(), ...o };
      const api = client(g);
      const input = {
        script: await readScriptFile(o.script),
        platform: o.platform,
        driver: o.driver,
        extension: o.extension,
      };
      await finish(api, g, (await api.request(CreateIpxeDocument, { input })).createIpxe);
    },
  );

  const grub = program.command("grub").description("GRUB for UEFI boot media");
  withWait(
    grub
      .command("create")
      .requiredOption("--label <label>", "volume label of the medium")
      .option("--architecture <a>", "x64 | x86", "x64")
      .option("--fragment <f>", "img | efi", "img")
      .option("--platform <p>", "x86_64-efi", "x86_64-efi")
      .option("--extension <e>", "efi", "efi"),
  ).action(
    async (
      o: WaitOptions & {
        label: string;
        architecture: string;
        fragment: string;
        platform: string;
        extension: string;
      },
      c: Command,
    ) => {
      const g = { ...c.optsWithGlobals<GlobalOptions>(), ...o };
      const api = client(g);
      const input = {
        label: o.label,
        architecture: o.architecture,
        fragment: o.fragment,
        platform: o.platform,
        extension: o.extension,
      };
      await finish(api, g, (await api.request(CreateGrubDocument, { input })).createGrub);
    },
  );

  const syslinux = program
    .command("syslinux")
    .description("SYSLINUX fragments for BIOS boot media");
  withWait(
    syslinux
      .command("create")
      .requiredOption("--fragment <f>", "ldlinux.c32 | isolinux.bin | isohdpfx.bin"),
  ).action(async (o: WaitOptions & { fragment: string }, c: Command) => {
    const g = { ...c.optsWithGlobals<GlobalOptions>(), ...o };
    const api = client(g);
    await finish(
      api,
      g,
      (await api.request(CreateSyslinuxDocument, { input: { fragment: o.fragment } }))
        .createSyslinux,
    );
  });

  const iso = program
    .command("iso")
    .description("hybrid ISO images (CD/USB, BIOS/UEFI) from earlier builds");
  const isoCreate = iso.command("create").requiredOption("--label <label>", "volume id of the ISO");
  for (const [, flag] of ISO_FLAGS) isoCreate.requiredOption(flag, "build id");
  withWait(isoCreate).action(async (o: WaitOptions & Record<string, string>, c: Command) => {
    const g = { ...c.optsWithGlobals<GlobalOptions>(), ...o };
    const api = client(g);
    const input: Record<string, string> = { label: o.label ?? "" };
    for (const [field] of ISO_FLAGS) input[field] = o[field] ?? "";
    await finish(
      api,
      g,
      (await api.request(CreateIsoDocument, { input: input as never })).createIso,
    );
  });

  const listers = {
    ipxe: async (api: ApiClient) => (await api.request(ListIpxesDocument, { first: 50 })).ipxes,
    grub: async (api: ApiClient) => (await api.request(ListGrubsDocument, { first: 50 })).grubs,
    syslinux: async (api: ApiClient) =>
      (await api.request(ListSyslinuxsDocument, { first: 50 })).syslinuxs,
    iso: async (api: ApiClient) => (await api.request(ListIsosDocument, { first: 50 })).isos,
  };
  for (const [name, cmd] of [
    ["ipxe", ipxe],
    ["grub", grub],
    ["syslinux", syslinux],
    ["iso", iso],
  ] as const) {
    cmd.command("ls").action(async (_o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { edges, totalCount } = await listers[name](client(g));
      noteMore(edges.length, totalCount, "delete old builds with `provisioner build delete ID`");
      printRows(
        edges.map((e) => ({ ...e.node, files: e.node.files.map((f) => f.name).join(",") })),
        ["id", "status", "progress", "files", "error"],
        g.json,
      );
    });
  }

  const build = program.command("build").description("any build by id");
  build
    .command("delete <id>")
    .description(
      "delete a build of any kind; refused while a distributor serves it (ISOs made from it keep working)",
    )
    .action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { deleteBuild } = await client(g).request(DeleteBuildDocument, { id });
      printOne({ id: deleteBuild.id, kind: deleteBuild.__typename, deleted: true }, g.json);
    });
  build
    .command("get <id>")
    .option("-o, --output <path>", "download the files")
    .action(async (id: string, o: WaitOptions, c: Command) => {
      const g = { ...c.optsWithGlobals<GlobalOptions>(), ...o };
      const api = client(g);
      const { build } = await api.request(GetBuildDocument, { id });
      if (!build) throw new CliError(`build ${id} does not exist`);
      await finish(
        api,
        { ...g, wait: build.status !== "DONE" && build.status !== "FAILED" && g.wait },
        build,
      );
    });
}
