import type { Command } from "commander";
import type { ApiClient, GlobalOptions } from "../client.ts";
import {
  ListSitesDocument,
  RotateEnrollmentTokenDocument,
  UpsertSiteDocument,
} from "../generated/graphql.ts";
import { printOne, printRows } from "../output.ts";

/** `provisioner site ls|upsert|rotate-token`. */
export function registerSiteCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  const site = program.command("site").description("sites and their enrollment rule");
  site.command("ls").action(async (_o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    const { sites } = await client(g).request(ListSitesDocument, { first: 500 });
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
}
