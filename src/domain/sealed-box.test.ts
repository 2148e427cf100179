import { describe, expect, it } from "vitest";
import {
  generateAgentKeyPair,
  open,
  parseAgentPublicKey,
  publicKeyOf,
  SealedBoxError,
  seal,
} from "./sealed-box.ts";

const secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n";

describe("sealed boxes", () => {
  it("opens with the recipient's private key and carries no plaintext", () => {
    const pair = generateAgentKeyPair();
    const box = seal(secret, pair.publicKey);
    expect(box.startsWith("v1.")).toBe(true);
    expect(box).not.toContain("OPENSSH");
    expect(Buffer.from(box.slice(3), "base64url").toString("latin1")).not.toContain("OPENSSH");
    expect(open(box, pair.privateKeyPem)).toBe(secret);
  });

  it("seals to a fresh ephemeral key each time", () => {
    const pair = generateAgentKeyPair();
    expect(seal(secret, pair.publicKey)).not.toBe(seal(secret, pair.publicKey));
  });

  it("cannot be opened by another key pair or after tampering", () => {
    const pair = generateAgentKeyPair();
    const other = generateAgentKeyPair();
    const box = seal(secret, pair.publicKey);
    expect(() => open(box, other.privateKeyPem)).toThrow(
      "cannot open the sealed key: it was sealed to another key than this distributor's",
    );
    const raw = Buffer.from(box.slice(3), "base64url");
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => open(`v1.${raw.toString("base64url")}`, pair.privateKeyPem)).toThrow(
      SealedBoxError,
    );
    expect(() => open("v2.abc", pair.privateKeyPem)).toThrow("not a sealed box of version v1");
  });

  it("accepts only raw 32-byte X25519 public keys", () => {
    const pair = generateAgentKeyPair();
    expect(parseAgentPublicKey(pair.publicKey)).toBe(pair.publicKey);
    expect(publicKeyOf(pair.privateKeyPem)).toBe(pair.publicKey);
    for (const bad of [
      "",
      "abc",
      `${pair.publicKey}A`,
      42,
      null,
      "x".repeat(43).replace(/x/g, "!"),
    ])
      expect(() => parseAgentPublicKey(bad)).toThrow(SealedBoxError);
  });
});
