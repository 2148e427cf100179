import path from "node:path";
import { z } from "zod";

const schema = z.object({
  server: z.url({ protocol: /^https?$/, error: "--server must be the provisioner's http(s) URL" }),
  token: z
    .string()
    .regex(
      /^dist_[A-Za-z0-9_-]{20,}$/,
      "--token must be a distributor token from createDistributorToken",
    ),
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,15}$/, "--interface must be a network interface name")
    .optional(),
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
    throw new Error(
      `invalid distributor configuration:\n${parsed.error.issues.map((i) => `  ${i.message}`).join("\n")}`,
    );
  }
  return { ...parsed.data, server: parsed.data.server.replace(/\/+$/, "") };
}
