import type { Command } from "commander";
import { type ApiClient, CliError, type GlobalOptions } from "../client.ts";
import {
  DeleteLocalnodeDocument,
  FollowScriptRunDocument,
  GetLocalnodeDocument,
  ListLocalnodesDocument,
  LocalnodeRegisteredDocument,
  PingLocalnodeDocument,
  RegisterLocalnodeDocument,
  ResetHostKeyDocument,
  RunScriptDocument,
  type ScriptRunFieldsFragment,
} from "../generated/graphql.ts";
import { noteMore, printOne, printRows, rowLine } from "../output.ts";
import { readFileOrStdin } from "../read-input.ts";
import { subscribe } from "../subscribe.ts";

const columns = ["id", "ip", "artifactId", "pingable", "lastSeenAt"];

/** ssh's own convention: 255 when the remote command never ran or its status is unknown. */
const NO_REMOTE_STATUS = 255;

/**
 * Follows a script run, writing its output as it grows; returns the finished run.
 * The subscription sends the whole (capped) output each time, so only the new tail is written.
 */
async function followRun(
  api: ApiClient,
  run: ScriptRunFieldsFragment,
  stream: boolean,
): Promise<ScriptRunFieldsFragment> {
  let last = run;
  let written = 0;
  const write = (r: ScriptRunFieldsFragment) => {
    if (!stream || r.output.length <= written) return;
    process.stdout.write(r.output.slice(written));
    written = r.output.length;
  };
  for await (const { scriptRun } of subscribe(api, FollowScriptRunDocument, { id: run.id })) {
    last = scriptRun;
    write(last);
    if (last.status === "DONE" || last.status === "FAILED") break;
  }
  return last;
}

/** `provisioner nodes ls` and `provisioner node get|register|delete`. */
export function registerNodeCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  program
    .command("nodes")
    .description("list registered nodes")
    .command("ls")
    .option("--artifact-id <site>", "only this site")
    .option("--first <n>", "how many", "100")
    .option(
      "--follow",
      "then print each registration as it happens, until interrupted (with --json: one JSON object per line)",
    )
    .action(async (o: { artifactId?: string; first: string; follow?: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const api = client(g);
      // Subscribe first, so a node registering while the list loads is not missed.
      const updates = o.follow
        ? subscribe(api, LocalnodeRegisteredDocument, { artifactId: o.artifactId })
        : undefined;
      const firstUpdate = updates?.next();
      // Handled here too, so a failing subscription never surfaces as an unhandled rejection
      // while the list is still loading; awaiting it below still throws its error.
      firstUpdate?.catch(() => undefined);
      const { localnodes } = await api.request(ListLocalnodesDocument, {
        artifactId: o.artifactId,
        first: Number(o.first),
      });
      const nodes = localnodes.edges.map((e) => e.node);
      noteMore(
        nodes.length,
        localnodes.totalCount,
        "narrow it with --artifact-id or raise --first",
      );
      if (!updates || !firstUpdate) {
        printRows(nodes, columns, g.json);
        return;
      }
      const print = (n: Record<string, unknown>) =>
        process.stdout.write(`${g.json ? JSON.stringify(n) : rowLine(n, columns)}\n`);
      if (g.json) for (const n of nodes) print(n);
      else printRows(nodes, columns, false);
      const head = await firstUpdate;
      if (head.done) return;
      print(head.value.localnodeRegistered);
      for await (const { localnodeRegistered } of updates) print(localnodeRegistered);
    });

  const node = program.command("node").description("one registered node");
  node.command("get <id>").action(async (id: string, _o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    const { localnode } = await client(g).request(GetLocalnodeDocument, { id });
    if (!localnode) throw new CliError(`localnode ${id} does not exist`);
    printOne(localnode, g.json);
  });
  node
    .command("register")
    .requiredOption("--ip <ip>")
    .requiredOption("--artifact-id <site>")
    .option("--pingable", "the node answers pings", false)
    .action(async (o: { ip: string; artifactId: string; pingable: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { registerLocalnode } = await client(g).request(RegisterLocalnodeDocument, {
        input: { ip: o.ip, artifactId: o.artifactId, pingable: o.pingable },
      });
      printOne(registerLocalnode, g.json);
    });
  node
    .command("ping <id>")
    .description(
      "have the site's distributor ping the node; exits 0 if it answered, 1 if not (pingable is updated)",
    )
    .action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { pingLocalnode } = await client(g).request(PingLocalnodeDocument, { id });
      printOne(pingLocalnode, g.json);
      if (!pingLocalnode.pingable) process.exitCode = 1;
    });
  node
    .command("run <id>")
    .description(
      "run a script on the node over SSH through its site's distributor; streams the output and exits with the remote exit code (255 if it never ran)",
    )
    .requiredOption("--script <file>", "shell script to run ('-' for stdin)")
    .requiredOption("--key <file>", "SSH private key the node accepts (used for this run only)")
    .option("--user <user>", "remote user", "root")
    .action(async (id: string, o: { script: string; key: string; user: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const api = client(g);
      const [script, privateKey] = await Promise.all([
        readFileOrStdin(o.script),
        readFileOrStdin(o.key),
      ]);
      const { runScript } = await api.request(RunScriptDocument, {
        input: { localnodeId: id, script, privateKey, user: o.user },
      });
      const run = await followRun(api, runScript, !g.json);
      if (g.json) printOne(run, true);
      if (run.status === "FAILED" && run.error)
        process.stderr.write(`provisioner: run ${run.id} failed: ${run.error}\n`);
      process.exitCode = run.exitCode ?? NO_REMOTE_STATUS;
    });
  node
    .command("reset-host-key <id>")
    .description(
      "forget the node's pinned SSH host key (after a reinstall); the next run pins the new one",
    )
    .action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      printOne((await client(g).request(ResetHostKeyDocument, { id })).resetHostKey, g.json);
    });
  node.command("delete <id>").action(async (id: string, _o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    printOne((await client(g).request(DeleteLocalnodeDocument, { id })).deleteLocalnode, g.json);
  });
}
