import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { CliError } from "./client.ts";

/** The contents of FILE, or of standard input for "-". */
export async function readFileOrStdin(file: string): Promise<string> {
  if (file === "-") return text(process.stdin);
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
