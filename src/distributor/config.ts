import path from "node:path";
import { z } from "zod";
import { DomainError } from "../domain/errors.ts";
import { parseInterfaceName } from "../domain/network.ts";

/** A bad flag or variable: `provisioner` prints its message as one line, no stack. */
export class AgentConfigError extends Error {
  // The CLI recognises configuration errors by this name.
  override name = "ConfigError";
}

// The same rule the server applies to a distributor's device.
const interfaceName = z.string().superRefine((value, ctx) => {
  try {
    parseInterfaceName(value, "--interface");
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
  }
});

const schema = z.object({
  server: z.url({ protocol: /^https?$/, error: "--server must be the provisioner's http(s) URL" }),
  token: z
    .string()
    .regex(
      /^dist_[A-Za-z0-9_-]{20,}$/,
      "--token must be a distributor token from createDistributorToken",
    ),
  interface: interfaceName.optional(),
  dataDir: z.string().min(1),
  dnsmasq: z.string().min(1),
  heartbeatSeconds: z.coerce.number().int().min(1).max(300),
});

export type AgentConfig = z.infer<typeof schema>;

export type AgentFlags = { server?: string; token?: string; interface?: string; dataDir?: string };

/** Flags first, then PROVISIONER_* environment variables; every problem is reported at once. */
export function loadAgentConfig(
  flags: AgentFlags,
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const parsed = schema.safeParse({
    server: pick(flags.server, "PROVISIONER_SERVER"),
    token: pick(flags.token, "PROVISIONER_TOKEN"),
    interface: pick(flags.interface, "PROVISIONER_INTERFACE"),
    dataDir: path.resolve(
      pick(flags.dataDir, "PROVISIONER_DISTRIBUTOR_DIR") ?? "./distributor-data",
    ),
    dnsmasq: env.PROVISIONER_DNSMASQ || "dnsmasq",
    heartbeatSeconds: env.PROVISIONER_HEARTBEAT_SECONDS || 10,
  });
  if (!parsed.success) {
    throw new AgentConfigError(
      `invalid distributor configuration:\n${parsed.error.issues.map((i) => `  ${i.message}`).join("\n")}`,
    );
  }
  return { ...parsed.data, server: parsed.data.server.replace(/\/+$/, "") };
}
