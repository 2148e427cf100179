import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOverSsh } from "../../src/distributor/ssh-runner.ts";

// A real SSH server (ssh2) that sends the exit status before the script's last
// output, as an SSH server may: the two are separate messages on the channel.
const client = ssh2.utils.generateKeyPairSync("ed25519");
let server: ssh2.Server;
let port = 0;

beforeAll(async () => {
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519").private;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on("authentication", (ctx) => (ctx.method === "publickey" ? ctx.accept() : ctx.reject()));
    conn.on("ready", () => {
      conn.on("session", (accept) => {
        accept().on("exec", (acceptExec) => {
          const channel = acceptExec();
          const rocket = Buffer.from("🚀");
          channel.write("early\n");
          channel.write(rocket.subarray(0, 2)); // a character split across two messages
          channel.exit(3);
          setTimeout(() => {
            channel.write(rocket.subarray(2));
            channel.write("late\n");
            channel.end();
          }, 50);
        });
      });
    });
    conn.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("runOverSsh", () => {
  it("keeps output that arrives after the exit status, whole characters, and the exit status", async () => {
    let output = "";
    const result = await runOverSsh({
      host: "127.0.0.1",
      port,
      user: "root",
      script: "true\n",
      privateKey: client.private,
      hostKey: null,
      onOutput: (chunk) => {
        output += chunk;
      },
    });
    expect(output).toBe("early\n🚀late\n");
    expect(result.exitCode).toBe(3);
    expect(result.error).toBeUndefined();
  });
});
