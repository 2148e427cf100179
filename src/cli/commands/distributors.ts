import type { Command } from "commander";
import { type ApiClient, CliError, type GlobalOptions } from "../client.ts";
import {
  type BootEventFieldsFragment,
  CreateDistributorTokenDocument,
  DeleteDistributorDocument,
  DistributorEventsDocument,
  FollowBootEventsDocument,
  GetDistributorDocument,
  ListDistributorsDocument,
  SetDistributorStatusDocument,
  UpdateDistributorDocument,
} from "../generated/graphql.ts";
import { noteMore, printOne, printRows } from "../output.ts";
import { subscribe } from "../subscribe.ts";

const columns = [
  "id",
  "artifactId",
  "name",
  "online",
  "on",
  "device",
  "range",
  "ipxeUefi",
  "ipxeBios",
];

/** One boot event per line, MAC first (the host a person is looking for), then when and what. */
export function eventLine(e: BootEventFieldsFragment): string {
  return [e.mac ?? "-", e.at, e.kind, e.ip ?? "-", e.detail].join("  ");
}

/**
 * `provisioner distributor token create|ls|get|update|on|off|delete|events` on the
 * operator's side. `distributor` itself (and `distributor run`) is the LAN agent.
 */
export function registerDistributorCommands(
  distributor: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  distributor
    .command("token")
    .description("distributor tokens")
    .command("create")
    .description(
      "create a distributor for a site (or give an existing one a new token); the token is shown once",
    )
    .requiredOption("--site <artifactId>", "the site it serves")
    .requiredOption("--name <name>", "its name within the site")
    .action(async (o: { site: string; name: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { createDistributorToken } = await client(g).request(CreateDistributorTokenDocument, {
        artifactId: o.site,
        name: o.name,
      });
      if (g.json) {
        printOne(createDistributorToken, true);
        return;
      }
      printOne(
        { ...createDistributorToken.distributor, token: createDistributorToken.token },
        false,
      );
      process.stderr.write(
        "Keep the token now: the server stores only its hash. Start the agent on the site's LAN with\n" +
          `  provisioner distributor --server <url> --token <token> --interface <dev>\n`,
      );
    });

  distributor
    .command("ls")
    .description("list distributors")
    .option("--site <artifactId>", "only this site")
    .action(async (o: { site?: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { distributors } = await client(g).request(ListDistributorsDocument, {
        artifactId: o.site,
        // The server's query-complexity limit allows about 400 rows of these fields.
        first: 200,
      });
      noteMore(distributors.edges.length, distributors.totalCount, "narrow it with --site");
      printRows(
        distributors.edges.map((e) => e.node),
        columns,
        g.json,
      );
    });

  distributor.command("get <id>").action(async (id: string, _o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    const { distributor: d } = await client(g).request(GetDistributorDocument, { id });
    if (!d) throw new CliError(`distributor ${id} does not exist`);
    printOne(d, g.json);
  });

  distributor
    .command("update <id>")
    .description("what it serves: iPXE builds for UEFI/BIOS PXE, the interface and the LAN")
    .option("--ipxe-uefi <buildId>", "iPXE build of bin-x86_64-efi (ipxe or snponly)")
    .option("--ipxe-bios <buildId>", "iPXE build of bin-x86_64-pcbios (undionly or ipxe, kpxe)")
    .option("--device <dev>", "network interface to serve, e.g. eth0")
    .option("--range <range>", "the LAN, e.g. 192.168.178.1 (/24) or 10.99.0.0/24")
    .action(
      async (
        id: string,
        o: { ipxeUefi?: string; ipxeBios?: string; device?: string; range?: string },
        c: Command,
      ) => {
        const g = c.optsWithGlobals<GlobalOptions>();
        const { updateDistributor } = await client(g).request(UpdateDistributorDocument, {
          input: { id, ...o },
        });
        printOne(updateDistributor, g.json);
      },
    );

  for (const [name, on] of [
    ["on", true],
    ["off", false],
  ] as const) {
    distributor
      .command(`${name} <id>`)
      .description(on ? "start serving PXE on its LAN" : "stop serving PXE (SSH work still runs)")
      .action(async (id: string, _o: unknown, c: Command) => {
        const g = c.optsWithGlobals<GlobalOptions>();
        const { setDistributorStatus } = await client(g).request(SetDistributorStatusDocument, {
          id,
          on,
        });
        printOne(setDistributorStatus, g.json);
      });
  }

  distributor
    .command("delete <id>")
    .description(
      "delete a distributor together with its boot events and script runs; refused while its agent is online (stop the agent first)",
    )
    .action(async (id: string, _o: unknown, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      printOne(
        (await client(g).request(DeleteDistributorDocument, { id })).deleteDistributor,
        g.json,
      );
    });

  distributor
    .command("events <id>")
    .description("the boot timeline: one line per DHCP/TFTP/HTTP event, MAC first, oldest first")
    .option("--first <n>", "how many recent events", "50")
    .option("--follow", "then print new events as they happen, until interrupted")
    .action(async (id: string, o: { first: string; follow?: boolean }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const api = client(g);
      const history = async () => {
        const { distributor: d } = await api.request(DistributorEventsDocument, {
          id,
          first: Number(o.first),
        });
        if (!d) throw new CliError(`distributor ${id} does not exist`);
        return d;
      };
      const print = (e: BootEventFieldsFragment) =>
        process.stdout.write(`${g.json ? JSON.stringify(e) : eventLine(e)}\n`);
      let d = await history();
      if (!o.follow) {
        // The query answers newest first; a timeline reads oldest first.
        for (const e of [...d.events].reverse()) print(e);
        return;
      }
      // Subscribe, then read the history again: an event in between shows up in both,
      // and is printed once (the subscription skips what the history already printed).
      const updates = subscribe(api, FollowBootEventsDocument, { artifactId: d.artifactId });
      const next = updates.next();
      next.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      d = await history();
      const seen = new Set(d.events.map((e) => JSON.stringify(e)));
      for (const e of [...d.events].reverse()) print(e);
      const follow = (e: BootEventFieldsFragment) => {
        if (e.distributorId !== d.id || seen.has(JSON.stringify(e))) return;
        print(e);
      };
      const head = await next;
      if (head.done) return;
      follow(head.value.bootEvents);
      for await (const { bootEvents } of updates) follow(bootEvents);
    });
}
