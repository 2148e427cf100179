import { Command } from "commander";
import { migrateCommand, serveCommand } from "./serve.ts";

const program = new Command("provisioner").description(
  "Nodes as a service: network-boot provisioner",
);
program
  .command("serve")
  .description("run the API, boot endpoints and workers")
  .action(serveCommand);
program.command("migrate").description("apply database migrations and exit").action(migrateCommand);

await program.parseAsync(process.argv);
