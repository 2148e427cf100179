import { type ExecutionArgs, getOperationAST, Kind } from "graphql";
import type { Context } from "../schema/context.ts";

/**
 * Subscription fields that only relay events as they happen (no snapshot
 * first, nothing per caller beyond their arguments), so that subscribers
 * asking the same thing may share one execution.
 */
const EVENT_STREAMS = new Set([
  "builds",
  "localnodeRegistered",
  "bootEvents",
  "distributorChanged",
]);

/**
 * The key under which identical subscriptions share one execution, or
 * undefined when this one must run on its own. The caller is part of the key:
 * what a caller may see is decided when its stream starts.
 */
export function sharedStreamKey(args: ExecutionArgs): string | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== "subscription") return undefined;
  // Fragments and directives could change the shape per document in ways the
  // text already captures, but keep the rule simple: plain fields only.
  if (args.document.definitions.length !== 1) return undefined;
  const fields = operation.selectionSet.selections;
  for (const selection of fields) {
    if (selection.kind !== Kind.FIELD) return undefined;
    if (!EVENT_STREAMS.has(selection.name.value)) return undefined;
  }
  const { principal } = args.contextValue as Context;
  const caller =
    principal.kind === "operator" ? "operator" : `distributor:${principal.distributor.id}`;
  const source = args.document.loc?.source.body;
  if (source === undefined) return undefined;
  return JSON.stringify([caller, source, args.variableValues ?? {}]);
}
