import { Command } from "commander";
import { registerDistributorCommand } from "./commands/distributor.ts";
import { runProgram } from "./run-program.ts";

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

await runProgram(program);
