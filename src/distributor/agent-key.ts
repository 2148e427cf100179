import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { type AgentKeyPair, generateAgentKeyPair, publicKeyOf } from "../domain/sealed-box.ts";
import type { Logger } from "../logger.ts";

const FILE = "agent-key.pem";

/**
 * The agent's own X25519 key pair, made on first start and kept (0600) in its
 * data directory. The server seals run keys to the public half; losing the
 * file only fails runs queued for the old key.
 */
export async function loadOrCreateAgentKey(dataDir: string, log: Logger): Promise<AgentKeyPair> {
  const file = path.join(dataDir, FILE);
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing) {
    try {
      return { publicKey: publicKeyOf(existing), privateKeyPem: existing };
    } catch {
      log.warn({ file }, "agent key file is not usable; making a new key pair");
    }
  }
  const pair = generateAgentKeyPair();
  await writeFile(`${file}.tmp`, pair.privateKeyPem, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  log.info({ file }, "created the agent's key pair");
  return pair;
}
