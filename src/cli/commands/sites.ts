import type { Command } from "commander";
import type { ApiClient, GlobalOptions } from "../client.ts";
import {
  DeleteSiteDocument,
  ListSitesDocument,
  RotateEnrollmentTokenDocument,
  UpsertSiteDocument,
} from "../generated/graphql.ts";
import { noteMore, printOne, printRows } from "../output.ts";

/** `provisioner site ls|upsert|rotate-token|delete`. */
export function registerSiteCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  const site = program.command("site").description("sites and their enrollment rule");
  site.command("ls").action(async (_o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    const { sites } = await client(g).request(ListSitesDocument, { first: 200 });
    noteMore(sites.edges.length, sites.totalCount, "the rest are not shown");
    printRows(
      sites.edges.map((e) => e.node),
      ["artifactId", "openEnrollment", "enrollmentToken"],
      g.json,
    );
  });
  site
    .command("upsert <artifactId>")
    .option("--open", "let any host of this site register without a token", false)
    .action(async (artifactId: string, o: { open: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { upsertSite } = await client(g).request(UpsertSiteDocument, {
        artifactId,
        openEnrollment: o.open,
      });
      printOne(upsertSite, g.json);
    });
  site
    .command("rotate-token <artifactId>")
    .action(async (artifactId: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      printOne(
        (await client(g).request(RotateEnrollmentTokenDocument, { artifactId }))
          .rotateEnrollmentToken,
        g.json,
      );
    });
  site
    .command("delete <artifactId>")
    .description(
      "delete a site; refused while it has nodes, distributors or SSH keys (they are named) unless --cascade",
    )
    .option(
      "--cascade",
      "also delete its nodes, distributors (with their boot events and script runs) and SSH keys",
      false,
    )
    .action(async (artifactId: string, o: { cascade: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { deleteSite } = await client(g).request(DeleteSiteDocument, {
        artifactId,
        cascade: o.cascade,
      });
      printOne({ artifactId: deleteSite.artifactId, deleted: true }, g.json);
    });
}
