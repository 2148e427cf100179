import { and, asc, gt, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "../db/connection.ts";
import { badInput } from "../domain/errors.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export type PageArgs = { first?: number | null; after?: string | null };
export type Page<T> = {
  items: Array<{ cursor: string; node: T }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
};

export const encodeCursor = (id: number) => Buffer.from(`id:${id}`).toString("base64url");

export function decodeCursor(cursor: string): number {
  const match = /^id:([1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match?.[1]) throw badInput("after is not a cursor returned by this API");
  return Number(match[1]);
}

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/** Keyset pagination by id: stable while rows are added or removed between pages. */
export async function paginate<T extends { id: number }>(
  db: Db,
  table: PgTable & { id: PgColumn },
  args: PageArgs,
  where?: SQL,
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const afterId = args.after ? decodeCursor(args.after) : 0;
  const [rows, totalCount] = await Promise.all([
    db
      .select()
      .from(table)
      .where(and(where, gt(table.id, afterId)))
      .orderBy(asc(table.id))
      .limit(limit + 1) as Promise<T[]>,
    db.$count(table, where),
  ]);
  const hasNextPage = rows.length > limit;
  const items = rows.slice(0, limit).map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { items, hasNextPage, endCursor: items.at(-1)?.cursor ?? null, totalCount };
}
