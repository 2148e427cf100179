import type { Command } from "commander";
import type { GlobalOptions } from "../client.ts";

/**
 * `provisioner distributor`: shared by the full CLI (src/cli/main.ts) and the distributor
 * image's bundle (src/cli/distributor-main.ts), which carries the agent and nothing else.
 */
export function registerDistributorCommand(program: Command): void {
  program
    .command("distributor")
    .description("run the LAN agent: proxy-DHCP/TFTP for PXE, SSH to the site's nodes")
    .option("--interface <dev>", "network interface to serve (env PROVISIONER_INTERFACE)")
    .option(
      "--data-dir <dir>",
      "cache and TFTP root (env PROVISIONER_DISTRIBUTOR_DIR, default ./distributor-data)",
    )
    .action(async (o: { interface?: string; dataDir?: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      await (await import("../distributor.ts")).distributorCommand({
        ...o,
        server: g.server,
        token: g.token,
      });
    });
}
