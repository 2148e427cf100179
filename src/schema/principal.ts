import type { DistributorRow } from "../db/schema.ts";
import { forbidden } from "../domain/errors.ts";
import type { Context } from "./context.ts";

/** The calling distributor; the access gate already let only distributors reach these fields. */
export function callingDistributor(ctx: Context): DistributorRow {
  if (ctx.principal.kind !== "distributor") throw forbidden("only a distributor may call this");
  return ctx.principal.distributor;
}

/**
 * Root fields a distributor token may use; operators may use every other one.
 * Checked before execution for every operation (see access-gate.ts).
 */
export const DISTRIBUTOR_FIELDS = new Set([
  "registerDistributor",
  "distributorHeartbeat",
  "distributorWork",
  "ackWork",
  "reportConfigError",
  "reportBootEvents",
  "reportPing",
  "reportScriptOutput",
  "finishScriptRun",
]);
