import type { Command } from "commander";
import { type ApiClient, CliError, type GlobalOptions } from "../client.ts";
import {
  DeleteLocalnodeDocument,
  GetLocalnodeDocument,
  ListLocalnodesDocument,
  RegisterLocalnodeDocument,
} from "../generated/graphql.ts";
import { printOne, printRows } from "../output.ts";

const columns = ["id", "ip", "artifactId", "pingable", "lastSeenAt"];

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
    .action(async (o: { artifactId?: string; first: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { localnodes } = await client(g).request(ListLocalnodesDocument, {
        artifactId: o.artifactId,
        first: Number(o.first),
      });
      printRows(
        localnodes.edges.map((e) => e.node),
        columns,
        g.json,
      );
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
  node.command("delete <id>").action(async (id: string, _o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    printOne((await client(g).request(DeleteLocalnodeDocument, { id })).deleteLocalnode, g.json);
  });
}
