import {
  type ASTVisitor,
  type FieldNode,
  GraphQLError,
  getIntrospectionQuery,
  Kind,
  parse,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";

/** Field name → what may be selected below it; a leaf has no entries. */
type Shape = Map<string, Shape>;

/**
 * What graphql-js's own introspection query asks for (every option on), fragments
 * inlined. GraphiQL, codegen and other tools send that query or a subset of it.
 */
function standardShape(): Shape {
  const document = parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  );
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  const add = (into: Shape, set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        let below = into.get(selection.name.value);
        if (!below) {
          below = new Map();
          into.set(selection.name.value, below);
        }
        if (selection.selectionSet) add(below, selection.selectionSet);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) add(into, fragment);
      } else add(into, selection.selectionSet);
    }
  };
  const root: Shape = new Map();
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION) add(root, definition.selectionSet);
  const schema = root.get("__schema");
  const type = schema?.get("types");
  if (!schema || !type) throw new Error("graphql's introspection query has no __schema.types");
  // `__type(name:)` answers one of the types `__schema.types` lists, with the same fields.
  return new Map([
    ["__schema", schema],
    ["__type", type],
  ]);
}

const refusal = (path: string, node: FieldNode, why: string) =>
  new GraphQLError(
    `introspection field ${path} ${why}; ask only for fields of the standard introspection query (graphql-js getIntrospectionQuery), without aliases`,
    { nodes: [node] },
  );

/**
 * Introspection is exempt from the depth limit (GraphiQL's own query is deeper), so
 * its cost is bounded by shape instead: only the fields of the standard introspection
 * query, under the same parents, and no aliases. Fields with the same name then merge
 * into one, so no introspection can cost more than that one query — a `fields { type {
 * fields … } }` cycle or a hundred aliased copies of `types` are refused before execution.
 */
export function introspectionShapeRule(shape: Shape = standardShape()) {
  return (context: ValidationContext): ASTVisitor => {
    const check = (
      set: SelectionSetNode,
      allowed: Shape,
      path: string,
      spreading: Set<string>,
    ): GraphQLError | undefined => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          // Unknown and cyclic fragments are other rules' errors; only do not loop here.
          if (!fragment || spreading.has(name)) continue;
          spreading.add(name);
          const error = check(fragment.selectionSet, allowed, path, spreading);
          spreading.delete(name);
          if (error) return error;
          continue;
        }
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const error = check(selection.selectionSet, allowed, path, spreading);
          if (error) return error;
          continue;
        }
        const name = selection.name.value;
        if (name === "__typename") continue;
        const at = `${path}.${name}`;
        if (selection.alias && selection.alias.value !== name)
          return refusal(at, selection, `has an alias ("${selection.alias.value}")`);
        const below = allowed.get(name);
        if (!below) return refusal(at, selection, "is not part of the standard query");
        if (selection.selectionSet) {
          const error = check(selection.selectionSet, below, at, spreading);
          if (error) return error;
        }
      }
      return undefined;
    };
    return {
      Field(node) {
        const name = node.name.value;
        const below = shape.get(name);
        // Introspection roots exist only on the query type; elsewhere validation refuses them.
        if (!below || context.getParentType() !== context.getSchema().getQueryType()) return;
        const error =
          node.alias && node.alias.value !== name
            ? refusal(name, node, `has an alias ("${node.alias.value}")`)
            : node.selectionSet && check(node.selectionSet, below, name, new Set());
        if (error) context.reportError(error);
        return false;
      },
    };
  };
}

export function useIntrospectionShape(): Plugin {
  const rule = introspectionShapeRule();
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
