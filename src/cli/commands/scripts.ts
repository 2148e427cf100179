import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiClient, CliError, type GlobalOptions } from "../client.ts";
import * as ops from "../generated/graphql.ts";
import { printOne, printRows } from "../output.ts";

type Script = { id: string; text: string; createdAt: string; updatedAt: string };
type Connection = { totalCount: number; edges: Array<{ node: Script }> };
type ScriptOps = {
  list(c: ApiClient, first: number): Promise<Connection>;
  get(c: ApiClient, id: string): Promise<Script | null>;
  create(c: ApiClient, text: string): Promise<Script>;
  update(c: ApiClient, id: string, text: string): Promise<Script>;
  remove(c: ApiClient, id: string): Promise<{ id: string }>;
};

// One row per registry: the typed documents codegen made for it.
const registries: Record<string, ScriptOps> = {
  mainscript: {
    list: async (c, first) => (await c.request(ops.ListMainscriptsDocument, { first })).mainscripts,
    get: async (c, id) => (await c.request(ops.GetMainscriptDocument, { id })).mainscript,
    create: async (c, text) =>
      (await c.request(ops.CreateMainscriptDocument, { text })).createMainscript,
    update: async (c, id, text) =>
      (await c.request(ops.UpdateMainscriptDocument, { id, text })).updateMainscript,
    remove: async (c, id) =>
      (await c.request(ops.DeleteMainscriptDocument, { id })).deleteMainscript,
  },
  subscript: {
    list: async (c, first) => (await c.request(ops.ListSubscriptsDocument, { first })).subscripts,
    get: async (c, id) => (await c.request(ops.GetSubscriptDocument, { id })).subscript,
    create: async (c, text) =>
      (await c.request(ops.CreateSubscriptDocument, { text })).createSubscript,
    update: async (c, id, text) =>
      (await c.request(ops.UpdateSubscriptDocument, { id, text })).updateSubscript,
    remove: async (c, id) => (await c.request(ops.DeleteSubscriptDocument, { id })).deleteSubscript,
  },
  kickstart: {
    list: async (c, first) => (await c.request(ops.ListKickstartsDocument, { first })).kickstarts,
    get: async (c, id) => (await c.request(ops.GetKickstartDocument, { id })).kickstart,
    create: async (c, text) =>
      (await c.request(ops.CreateKickstartDocument, { text })).createKickstart,
    update: async (c, id, text) =>
      (await c.request(ops.UpdateKickstartDocument, { id, text })).updateKickstart,
    remove: async (c, id) => (await c.request(ops.DeleteKickstartDocument, { id })).deleteKickstart,
  },
  prebootscript: {
    list: async (c, first) =>
      (await c.request(ops.ListPrebootscriptsDocument, { first })).prebootscripts,
    get: async (c, id) => (await c.request(ops.GetPrebootscriptDocument, { id })).prebootscript,
    create: async (c, text) =>
      (await c.request(ops.CreatePrebootscriptDocument, { text })).createPrebootscript,
    update: async (c, id, text) =>
      (await c.request(ops.UpdatePrebootscriptDocument, { id, text })).updatePrebootscript,
    remove: async (c, id) =>
      (await c.request(ops.DeletePrebootscriptDocument, { id })).deletePrebootscript,
  },
  postbootscript: {
    list: async (c, first) =>
      (await c.request(ops.ListPostbootscriptsDocument, { first })).postbootscripts,
    get: async (c, id) => (await c.request(ops.GetPostbootscriptDocument, { id })).postbootscript,
    create: async (c, text) =>
      (await c.request(ops.CreatePostbootscriptDocument, { text })).createPostbootscript,
    update: async (c, id, text) =>
      (await c.request(ops.UpdatePostbootscriptDocument, { id, text })).updatePostbootscript,
    remove: async (c, id) =>
      (await c.request(ops.DeletePostbootscriptDocument, { id })).deletePostbootscript,
  },
};

async function readScript(file: string): Promise<string> {
  try {
    return file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `provisioner <kind> ls|get|create|update|delete` for every script registry. */
export function registerScriptCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  for (const [name, registry] of Object.entries(registries)) {
    const cmd = program
      .command(name)
      .description(`manage ${name}s (raw text at /api/${name}s/<id>)`);
    cmd
      .command("ls")
      .option("--first <n>", "how many", "100")
      .action(async (o: { first: string }, c: Command) => {
        const g = c.optsWithGlobals<GlobalOptions>();
        const conn = await registry.list(client(g), Number(o.first));
        printRows(
          conn.edges.map((e) => e.node),
          ["id", "updatedAt", "text"],
          g.json,
        );
      });
    cmd.command("get <id>").action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const row = await registry.get(client(g), id);
      if (!row) throw new CliError(`${name} ${id} does not exist`);
      printOne(row, g.json);
    });
    cmd
      .command("create")
      .requiredOption("--file <file>", "script text ('-' for stdin)")
      .action(async (o: { file: string }, c: Command) => {
        const g = c.optsWithGlobals<GlobalOptions>();
        const row = await registry.create(client(g), await readScript(o.file));
        printOne({ id: row.id, url: `${client(g).server}/api/${name}s/${row.id}` }, g.json);
      });
    cmd
      .command("update <id>")
      .requiredOption("--file <file>", "new script text ('-' for stdin)")
      .action(async (id: string, o: { file: string }, c: Command) => {
        const g = c.optsWithGlobals<GlobalOptions>();
        const row = await registry.update(client(g), id, await readScript(o.file));
        printOne({ id: row.id, updatedAt: row.updatedAt }, g.json);
      });
    cmd.command("delete <id>").action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      printOne(await registry.remove(client(g), id), g.json);
    });
  }
}
