import type { Command } from "commander";
import type { GlobalOptions } from "../client.ts";

type AgentOptions = { interface?: string; dataDir?: string };

const agentOptions = (cmd: Command) =>
  cmd
    .option("--interface <dev>", "network interface to serve (env PROVISIONER_INTERFACE)")
    .option(
      "--data-dir <dir>",
      "cache and TFTP root (env PROVISIONER_DISTRIBUTOR_DIR, default ./distributor-data)",
    );

const runAgent = async (_o: AgentOptions, c: Command) => {
  // Commander hands `distributor run --data-dir X` to the parent `distributor`, which
  // declares the same options: read them merged, wherever on the line they were given.
  const g = c.optsWithGlobals<GlobalOptions & AgentOptions>();
  await (await import("../distributor.ts")).distributorCommand({
    interface: g.interface,
    dataDir: g.dataDir,
    server: g.server,
    token: g.token,
  });
};

/**
 * `provisioner distributor` (and `distributor run`): the LAN agent. Shared by
 * the full CLI (src/cli/main.ts, which adds the operator's distributor
 * subcommands to the returned command) and the distributor image's bundle
 * (src/cli/distributor-main.ts), which carries the agent and nothing else.
 */
export function registerDistributorCommand(program: Command): Command {
  const distributor = agentOptions(
    program
      .command("distributor")
      .description(
        "run the LAN agent (proxy-DHCP/TFTP for PXE, SSH to the site's nodes), or manage distributors",
      ),
  ).action(runAgent);
  agentOptions(
    distributor.command("run").description("run the LAN agent (same as `distributor`)"),
  ).action(runAgent);
  return distributor;
}
