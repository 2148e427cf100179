import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";

/**
 * Sealed boxes for the private keys of queued script runs: only the
 * distributor holding the X25519 private key can open what the server sealed
 * to its public key. Each box uses a fresh ephemeral key (X25519), HKDF-SHA256
 * and AES-256-GCM, so the server never keeps anything that opens it.
 * Shared by the server (seal) and the agent (open).
 */

const VERSION = "v1";
const INFO = Buffer.from("provisioner sealed key v1");
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PUBLIC_KEY = /^[A-Za-z0-9_-]{43}$/;

export type AgentKeyPair = {
  /** The raw 32-byte X25519 public key, base64url: what the agent registers. */
  publicKey: string;
  /** PKCS#8 PEM; stays in the agent's data directory. */
  privateKeyPem: string;
};

export class SealedBoxError extends Error {
  override name = "SealedBoxError";
}

export function generateAgentKeyPair(): AgentKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  return {
    publicKey: rawPublicKey(publicKey),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** The registered form of a public key; throws for anything that is not one. */
export function parseAgentPublicKey(raw: unknown): string {
  if (typeof raw !== "string" || !PUBLIC_KEY.test(raw)) {
    throw new SealedBoxError("publicKey must be a raw X25519 public key, 32 bytes in base64url");
  }
  publicKeyObject(raw);
  return raw;
}

/** The public half of a stored private key (to check that both belong together). */
export function publicKeyOf(privateKeyPem: string): string {
  return rawPublicKey(createPublicKey(createPrivateKey(privateKeyPem)));
}

export function seal(plaintext: string, recipientPublicKey: string): string {
  const recipient = publicKeyObject(recipientPublicKey);
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralPublic = Buffer.from(rawPublicKey(ephemeral.publicKey), "base64url");
  const context = Buffer.concat([ephemeralPublic, Buffer.from(recipientPublicKey, "base64url")]);
  const key = deriveKey(
    diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }),
    context,
  );
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(context);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const box = Buffer.concat([ephemeralPublic, nonce, cipher.getAuthTag(), body]);
  return `${VERSION}.${box.toString("base64url")}`;
}

export function open(sealed: string, privateKeyPem: string): string {
  const [version, encoded] = sealed.split(".", 2);
  if (version !== VERSION || !encoded) throw new SealedBoxError("not a sealed box of version v1");
  const box = Buffer.from(encoded, "base64url");
  if (box.length <= KEY_BYTES + NONCE_BYTES + TAG_BYTES)
    throw new SealedBoxError("sealed box is truncated");
  const ephemeralPublic = box.subarray(0, KEY_BYTES);
  const nonce = box.subarray(KEY_BYTES, KEY_BYTES + NONCE_BYTES);
  const tag = box.subarray(KEY_BYTES + NONCE_BYTES, KEY_BYTES + NONCE_BYTES + TAG_BYTES);
  const body = box.subarray(KEY_BYTES + NONCE_BYTES + TAG_BYTES);
  const privateKey = createPrivateKey(privateKeyPem);
  const ownPublic = Buffer.from(rawPublicKey(createPublicKey(privateKey)), "base64url");
  const context = Buffer.concat([ephemeralPublic, ownPublic]);
  const key = deriveKey(
    diffieHellman({
      privateKey,
      publicKey: publicKeyObject(ephemeralPublic.toString("base64url")),
    }),
    context,
  );
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(context);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedBoxError(
      "cannot open the sealed key: it was sealed to another key than this distributor's",
    );
  }
}

function deriveKey(shared: Buffer, context: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, context, INFO, KEY_BYTES));
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new SealedBoxError("not an X25519 key");
  return jwk.x;
}

function publicKeyObject(raw: string): KeyObject {
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: raw }, format: "jwk" });
  } catch {
    throw new SealedBoxError("publicKey is not a valid X25519 public key");
  }
}
