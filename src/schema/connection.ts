import type { ObjectRef } from "@pothos/core";
import type { Page, PageArgs } from "../resolvers/pagination.ts";
import { builder } from "./builder.ts";

type Types = typeof builder.$inferSchemaTypes;

const PageInfo = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>("PageInfo")
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });

/** `<Name>Connection { edges { cursor node } pageInfo totalCount }` for one node type. */
export function connectionOf<T>(name: string, node: ObjectRef<Types, T>) {
  const Edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.expose("node", { type: node }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      // The page size is already the connection field's multiplier; do not count it twice.
      edges: t.field({
        type: [Edge],
        complexity: { field: 0, multiplier: 1 },
        resolve: (page) => page.items,
      }),
      pageInfo: t.field({
        type: PageInfo,
        resolve: (page) => ({ hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
      }),
      totalCount: t.exposeInt("totalCount"),
    }),
  });
}

/** List fields cost their page size, so `first: 500` with deep selections hits the limit. */
const listComplexity = (args: { first?: number | null }) => ({
  field: 1,
  multiplier: Math.max(1, Math.min(args.first ?? 50, 500)),
});

type ListArgs = PageArgs & { artifactId?: string | null };

/**
 * A plural query field as API.md's "Lists" has it: optional `first` and `after` (and, for
 * records of a site, an optional `artifactId` filter) returning a connection, costed by its
 * page size. The one place those arguments are declared.
 */
export function listField<T>(
  t: PothosSchemaTypes.QueryFieldBuilder<Types, Types["Root"]>,
  connection: ObjectRef<Types, Page<T>>,
  list: (ctx: Types["Context"], args: ListArgs) => Promise<Page<T>>,
  { byArtifactId = false } = {},
) {
  return t.field({
    type: connection,
    args: {
      ...(byArtifactId ? { artifactId: t.arg.string({ required: false }) } : {}),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    complexity: listComplexity,
    resolve: (_root, args, ctx) => list(ctx, args as ListArgs),
  });
}
