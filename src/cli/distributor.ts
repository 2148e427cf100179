import { startAgent } from "../distributor/agent.ts";
import { type AgentFlags, loadAgentConfig } from "../distributor/config.ts";
import { createLogger } from "../logger.ts";
import { untilSignal } from "./signals.ts";

/** `provisioner distributor`: the LAN agent, until SIGINT/SIGTERM. Loads none of the server. */
export async function distributorCommand(flags: AgentFlags): Promise<void> {
  const config = loadAgentConfig(flags);
  const log = createLogger(process.env.LOG_LEVEL || "info");
  const agent = await startAgent(config, log);
  await untilSignal(log);
  await agent.stop();
}
