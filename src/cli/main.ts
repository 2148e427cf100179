import { Command } from "commander";
import { ApiClient, CliError, type GlobalOptions } from "./client.ts";
import { registerBuildCommands } from "./commands/builds.ts";
import { registerDistributorCommand } from "./commands/distributor.ts";
import { registerDistributorCommands } from "./commands/distributors.ts";
import { registerNodeCommands } from "./commands/nodes.ts";
import { registerScriptCommands } from "./commands/scripts.ts";
import { registerSiteCommands } from "./commands/sites.ts";
import { registerSshKeyCommands } from "./commands/sshkeys.ts";
import { runProgram } from "./run-program.ts";

const program = new Command("provisioner")
  .description("Nodes as a service: network-boot provisioner")
  .option("--server <url>", "API base URL (env PROVISIONER_SERVER, default http://localhost:8080)")
  .option("--token <token>", "operator token (env PROVISIONER_TOKEN, default ./data/admin-token)")
  .option("--json", "print JSON for scripts")
  .showHelpAfterError();

// Loaded on demand: client commands should not pay for the whole server's start-up.
program
  .command("serve")
  .description("run the API, boot endpoints and workers")
  .action(async () => (await import("./serve.ts")).serveCommand());
program
  .command("worker")
  .description("run build workers only (needs DATABASE_URL; the builder image runs this)")
  .action(async () => (await import("./serve.ts")).workerCommand());
const distributor = registerDistributorCommand(program);
program
  .command("migrate")
  .description("apply database migrations and exit")
  .action(async () => (await import("./serve.ts")).migrateCommand());

const client = (options: GlobalOptions) => new ApiClient(options);
registerScriptCommands(program, client);
registerSshKeyCommands(program, client);
registerSiteCommands(program, client);
registerNodeCommands(program, client);
registerBuildCommands(program, client);
registerDistributorCommands(distributor, client);

await runProgram(program, (error) => error instanceof CliError);
