import { GraphQLError, Kind, type OperationDefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../schema/context.ts";
import { DISTRIBUTOR_FIELDS } from "../schema/principal.ts";

function rootFields(operation: OperationDefinitionNode): string[] | undefined {
  const names: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    // Fragments at the root are not needed by our clients; refusing them keeps the gate simple and closed.
    if (selection.kind !== Kind.FIELD) return undefined;
    names.push(selection.name.value);
  }
  return names;
}

function refusal(
  context: Context,
  operation: OperationDefinitionNode | undefined,
): GraphQLError | undefined {
  const fields = operation ? rootFields(operation) : undefined;
  if (!fields)
    return new GraphQLError(
      "fragments are not allowed at the root of an operation; select the root fields directly",
      { extensions: { code: "FORBIDDEN", http: { status: 403 } } },
    );
  const isDistributor = context.principal.kind === "distributor";
  const denied = fields.find(
    (f) => f !== "__typename" && DISTRIBUTOR_FIELDS.has(f) !== isDistributor,
  );
  if (!denied) return undefined;
  return new GraphQLError(
    isDistributor
      ? `a distributor token may not use ${denied}`
      : `${denied} is for distributors, not operators`,
    { extensions: { code: "FORBIDDEN", http: { status: 403 } } },
  );
}

function operationOf(document: { definitions: readonly { kind: string }[] }, name?: string | null) {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return name ? operations.find((o) => o.name?.value === name) : operations[0];
}

/** Operators and distributors share one endpoint; this keeps each to its own root fields. */
export function useAccessGate(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(
        args.contextValue as unknown as Context,
        operationOf(args.document, args.operationName),
      );
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(
        args.contextValue as unknown as Context,
        operationOf(args.document, args.operationName),
      );
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
