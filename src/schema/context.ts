import type { Logger } from "../logger.ts";
import type { Deps } from "../resolvers/deps.ts";

/** What every GraphQL resolver receives; built per HTTP request or WebSocket subscription. */
export type Context = {
  deps: Deps;
  requestId: string;
  log: Logger;
  signal?: AbortSignal;
};
