import { createHash } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import { Client } from "ssh2";

export type SshRun = {
  host: string;
  port?: number;
  user: string;
  script: string;
  privateKey: string;
  /** Pinned fingerprint (SHA256:…); a node presenting another key is refused. */
  hostKey: string | null;
  timeoutMs?: number;
  onOutput(chunk: string): void;
};

export type SshResult = { exitCode: number | null; hostKey: string | undefined; error?: string };

const fingerprint = (key: Buffer) =>
  `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;

/**
 * Runs a script on a node over SSH: `sh -s` reads it from stdin, so no shell
 * string is built from it. The key lives only in this call's memory.
 */
export function runOverSsh(run: SshRun): Promise<SshResult> {
  return new Promise((resolve) => {
    const client = new Client();
    let seen: string | undefined;
    let settled = false;
    const finish = (result: Omit<SshResult, "hostKey">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve({ ...result, hostKey: seen });
    };
    const timer = setTimeout(
      () => finish({ exitCode: null, error: "script timed out" }),
      run.timeoutMs ?? 10 * 60_000,
    );
    client.on("ready", () => {
      client.exec("sh -s", (error, stream) => {
        if (error) return finish({ exitCode: null, error: `exec failed: ${error.message}` });
        // One decoder per stream: a character split across two packets stays one character.
        const out = new StringDecoder("utf8");
        const err = new StringDecoder("utf8");
        stream.on("data", (data: Buffer) => run.onOutput(out.write(data)));
        stream.stderr.on("data", (data: Buffer) => run.onOutput(err.write(data)));
        // The exit status can arrive before the last output (SSH sends them as separate
        // messages): keep it, and finish only when the channel closes.
        let exitCode: number | null | undefined;
        stream.on("exit", (code: number | null) => {
          exitCode = code;
        });
        stream.on("close", () =>
          finish(
            exitCode === undefined
              ? { exitCode: null, error: "the session closed without an exit status" }
              : { exitCode },
          ),
        );
        stream.end(run.script);
      });
    });
    client.on("error", (error) => {
      finish({
        exitCode: null,
        error:
          seen && run.hostKey && seen !== run.hostKey
            ? `host key changed: the node presented ${seen}, pinned is ${run.hostKey}; resetHostKey if this is expected`
            : `ssh: ${error.message}`,
      });
    });
    client.connect({
      host: run.host,
      port: run.port ?? 22,
      username: run.user,
      privateKey: run.privateKey,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key);
        return run.hostKey === null || seen === run.hostKey;
      },
    });
  });
}
