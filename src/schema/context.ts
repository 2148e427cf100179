import type { DistributorRow } from "../db/schema.ts";
import type { Logger } from "../logger.ts";
import type { Deps } from "../resolvers/deps.ts";

/** Who is calling: an operator, or one distributor (which may only use its own fields). */
export type Principal = { kind: "operator" } | { kind: "distributor"; distributor: DistributorRow };

/** What every GraphQL resolver receives; built per HTTP request or WebSocket subscription. */
export type Context = {
  deps: Deps;
  requestId: string;
  log: Logger;
  principal: Principal;
  signal?: AbortSignal;
};
