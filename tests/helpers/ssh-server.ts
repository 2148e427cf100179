import { spawn } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import ssh2 from "ssh2";
import { fingerprintOf } from "../../src/resolvers/sshkeys.ts";

export type TestSshServer = { fingerprint: string; stop(): Promise<void> };

/**
 * A real SSH server (ssh2) in the test process that accepts one public key and
 * runs `exec` requests with the machine's /bin/sh, so a node can be simulated
 * on a loopback address without a VM.
 */
export async function startSshServer(
  host: string,
  authorizedPublicKey: string,
  hostKeyPem?: string,
): Promise<TestSshServer> {
  const hostKey = hostKeyPem ?? ssh2.utils.generateKeyPairSync("ed25519").private;
  const allowed = ssh2.utils.parseKey(authorizedPublicKey);
  if (allowed instanceof Error || Array.isArray(allowed)) throw new Error("bad authorized key");
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => {
      const ok =
        ctx.method === "publickey" &&
        ctx.key.algo === allowed.type &&
        ctx.key.data.length === allowed.getPublicSSH().length &&
        timingSafeEqual(ctx.key.data, allowed.getPublicSSH()) &&
        (!ctx.signature ||
          allowed.verify(ctx.blob as Buffer, ctx.signature, ctx.hashAlgo) === true);
      if (ok) ctx.accept();
      else ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        accept().on("exec", (acceptExec, _reject, info) => {
          const channel = acceptExec();
          const child = spawn("/bin/sh", ["-c", info.command], { stdio: ["pipe", "pipe", "pipe"] });
          channel.pipe(child.stdin);
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          child.on("close", (code) => {
            channel.exit(code ?? 255);
            channel.end();
          });
        });
      });
    });
    client.on("error", () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(22, host, () => resolve());
  });
  const parsed = ssh2.utils.parseKey(hostKey);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error("bad host key");
  return {
    fingerprint: fingerprintOf(parsed.getPublicSSH()),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
