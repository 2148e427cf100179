import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiClient, CliError, type GlobalOptions } from "../client.ts";
import {
  AddSshKeyDocument,
  DeleteSshKeyDocument,
  GenerateSshKeyPairDocument,
  type KeyAlgorithm,
  ListSshKeysDocument,
} from "../generated/graphql.ts";
import { printOne, printRows } from "../output.ts";

const ALGORITHMS = ["ED25519", "ECDSA", "RSA"];

/** `provisioner sshkey ls|add|delete|generate`. */
export function registerSshKeyCommands(
  program: Command,
  client: (o: GlobalOptions) => ApiClient,
): void {
  const key = program
    .command("sshkey")
    .description("public keys nodes trust, and key pair generation");
  key
    .command("ls")
    .option("--artifact-id <site>")
    .action(async (o: { artifactId?: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { sshkeys } = await client(g).request(ListSshKeysDocument, {
        artifactId: o.artifactId,
        first: 200,
      });
      printRows(
        sshkeys.edges.map((e) => e.node),
        ["id", "artifactId", "fingerprint"],
        g.json,
      );
    });
  key
    .command("add")
    .requiredOption("--file <file>", "an OpenSSH .pub file")
    .requiredOption("--artifact-id <site>")
    .action(async (o: { file: string; artifactId: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const text = await readFile(o.file, "utf8");
      printOne(
        (await client(g).request(AddSshKeyDocument, { text, artifactId: o.artifactId })).addSshKey,
        g.json,
      );
    });
  key.command("delete <id>").action(async (id: string, _o: unknown, c: Command) => {
    const g = c.optsWithGlobals<GlobalOptions>();
    printOne((await client(g).request(DeleteSshKeyDocument, { id })).deleteSshKey, g.json);
  });
  key
    .command("generate")
    .description(
      "make a key pair on the server (not stored there) and write it to FILE and FILE.pub",
    )
    .option("--algorithm <name>", ALGORITHMS.join(" | "), "ED25519")
    .requiredOption("-o, --output <file>", "private key file; the public key goes to <file>.pub")
    .action(async (o: { algorithm: string; output: string }, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const algorithm = o.algorithm.toUpperCase();
      if (!ALGORITHMS.includes(algorithm))
        throw new CliError(`--algorithm must be one of ${ALGORITHMS.join(", ")}`);
      const { generateSshKeyPair: pair } = await client(g).request(GenerateSshKeyPairDocument, {
        algorithm: algorithm as KeyAlgorithm,
      });
      await writeFile(o.output, pair.privateKey, { mode: 0o600, flag: "wx" }).catch(
        (error: Error) => {
          throw new CliError(`cannot write ${o.output}: ${error.message}`);
        },
      );
      await writeFile(`${o.output}.pub`, `${pair.publicKey}\n`, { mode: 0o644 });
      printOne(
        { privateKey: o.output, publicKey: `${o.output}.pub`, fingerprint: pair.fingerprint },
        g.json,
      );
    });
}
