import { Command } from "commander";
import { registerDistributorCommand } from "./commands/distributor.ts";

/**
 * Entry of the distributor image's bundle (distributor/Dockerfile): the same
 * `provisioner distributor` command and global options as src/cli/main.ts, without the
 * client commands and the server, so the bundle carries only what the agent imports.
 */
const program = new Command("provisioner")
  .description("Provisioner distributor: the LAN agent of a site")
  .option("--server <url>", "server URL (env PROVISIONER_SERVER)")
  .option("--token <token>", "distributor token (env PROVISIONER_TOKEN)")
  .showHelpAfterError();
registerDistributorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message =
    error instanceof Error && error.name === "ConfigError"
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`provisioner: ${message}\n`);
  process.exitCode = 1;
}
