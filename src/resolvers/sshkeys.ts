import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import ssh2 from "ssh2";
import { type SshKeyRow, sshKeys } from "../db/schema.ts";
import { badInput, conflict, notFound } from "../domain/errors.ts";
import { parseArtifactId, parseId } from "../domain/validation.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

const MAX_KEY_CHARS = 16 * 1024;
const PUBLIC_KEY_LINE =
  /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [\x20-\x7e]{0,256})?$/;

/** The OpenSSH-style "SHA256:…" fingerprint of a public key blob. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Accepts one OpenSSH public key line. A private key pasted by mistake is
 * refused without quoting it back, so it never lands in a response or a log.
 */
export function parsePublicKey(raw: unknown): { text: string; fingerprint: string } {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_KEY_CHARS) {
    throw badInput("text must be an OpenSSH public key line (the contents of a .pub file)");
  }
  if (/PRIVATE KEY/.test(raw)) {
    throw badInput(
      "this is a private key; it was not stored. Paste the public key (the .pub file) instead",
    );
  }
  const text = raw.trim();
  if (!PUBLIC_KEY_LINE.test(text)) {
    throw badInput("text must be one OpenSSH public key line such as 'ssh-ed25519 AAAA… comment'");
  }
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error || Array.isArray(parsed)) {
    throw badInput("text is not a valid OpenSSH public key");
  }
  if (parsed.isPrivateKey()) {
    throw badInput("this is a private key; it was not stored. Paste the public key instead");
  }
  return { text, fingerprint: fingerprintOf(parsed.getPublicSSH()) };
}

export async function listSshKeys(
  deps: Deps,
  args: PageArgs & { artifactId?: unknown },
): Promise<Page<SshKeyRow>> {
  const where =
    args.artifactId == null ? undefined : eq(sshKeys.artifactId, parseArtifactId(args.artifactId));
  return paginate<SshKeyRow>(deps.db, sshKeys, args, where);
}

export async function getSshKey(deps: Deps, rawId: unknown): Promise<SshKeyRow> {
  const id = parseId(rawId);
  const [row] = await deps.db.select().from(sshKeys).where(eq(sshKeys.id, id));
  if (!row) throw notFound(`sshkey ${id} does not exist`);
  return row;
}

export async function addSshKey(
  deps: Deps,
  input: { text: unknown; artifactId: unknown },
): Promise<SshKeyRow> {
  const artifactId = parseArtifactId(input.artifactId);
  const { text, fingerprint } = parsePublicKey(input.text);
  const [row] = await deps.db
    .insert(sshKeys)
    .values({ text, artifactId, fingerprint })
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw conflict(`a key with fingerprint ${fingerprint} is already registered for ${artifactId}`);
  return row;
}

export async function deleteSshKey(deps: Deps, input: { id: unknown }): Promise<SshKeyRow> {
  const id = parseId(input.id);
  const [row] = await deps.db.delete(sshKeys).where(eq(sshKeys.id, id)).returning();
  if (!row) throw notFound(`sshkey ${id} does not exist`);
  return row;
}

export type KeyAlgorithm = "ED25519" | "ECDSA" | "RSA";
export type KeyPair = {
  algorithm: KeyAlgorithm;
  publicKey: string;
  privateKey: string;
  fingerprint: string;
};

function generate(
  ...args:
    | ["rsa", { bits: number; comment: string }]
    | ["ecdsa", { bits: 256; comment: string }]
    | ["ed25519", { comment: string }]
): Promise<{ public: string; private: string }> {
  return new Promise((resolve, reject) => {
    ssh2.utils.generateKeyPair(args[0], args[1] as { bits: 256; comment: string }, (error, pair) =>
      error ? reject(error) : resolve(pair),
    );
  });
}

/** Generates a key pair in OpenSSH format; nothing is stored, the caller keeps the private half. */
export async function generateSshKeyPair(input: {
  algorithm?: KeyAlgorithm | null;
  comment?: string | null;
}): Promise<KeyPair> {
  const algorithm = input.algorithm ?? "ED25519";
  const comment = input.comment ?? "provisioner";
  if (!/^[\x21-\x7e]{0,100}$/.test(comment))
    throw badInput("comment must be printable ASCII without spaces, at most 100 characters");
  const pair =
    algorithm === "RSA"
      ? await generate("rsa", { bits: 3072, comment })
      : algorithm === "ECDSA"
        ? await generate("ecdsa", { bits: 256, comment })
        : await generate("ed25519", { comment });
  const publicKey = pair.public.trim();
  return {
    algorithm,
    publicKey,
    privateKey: pair.private,
    fingerprint: parsePublicKey(publicKey).fingerprint,
  };
}
