import type { Command } from "commander";

/**
 * Parses the command line and turns a failure into one line on stderr and exit
 * code 1: errors the user caused (`isPlain`, and configuration errors) without
 * a stack, anything else with it.
 */
export async function runProgram(
  program: Command,
  isPlain: (error: Error) => boolean = () => false,
): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const message =
      error instanceof Error && (error.name === "ConfigError" || isPlain(error))
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`provisioner: ${message}\n`);
    process.exitCode = 1;
  }
}
