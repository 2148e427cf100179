import { eq } from "drizzle-orm";
import { type ScriptKind, type ScriptRow, scriptTables } from "../db/schema.ts";
import { notFound } from "../domain/errors.ts";
import { parseId, parseScriptText } from "../domain/validation.ts";
import type { Deps } from "./deps.ts";
import { type Page, type PageArgs, paginate } from "./pagination.ts";

export const SCRIPT_CHANGED = "script.changed";
export type ScriptChanged = { kind: ScriptKind; id: number };

export const scriptKinds = Object.keys(scriptTables) as ScriptKind[];

/** "mainscripts" → "mainscript", for messages a person reads. */
const singular = (kind: ScriptKind) => kind.slice(0, -1);

export function isScriptKind(value: string): value is ScriptKind {
  return Object.hasOwn(scriptTables, value);
}

export async function listScripts(
  deps: Deps,
  kind: ScriptKind,
  args: PageArgs,
): Promise<Page<ScriptRow>> {
  return paginate<ScriptRow>(deps.db, scriptTables[kind], args);
}

export async function getScript(deps: Deps, kind: ScriptKind, rawId: unknown): Promise<ScriptRow> {
  const id = parseId(rawId);
  const table = scriptTables[kind];
  const [row] = await deps.db.select().from(table).where(eq(table.id, id));
  if (!row) throw notFound(`${singular(kind)} ${id} does not exist`);
  return row;
}

export async function createScript(
  deps: Deps,
  kind: ScriptKind,
  input: { text: unknown },
): Promise<ScriptRow> {
  const text = parseScriptText(input.text);
  const [row] = await deps.db.insert(scriptTables[kind]).values({ text }).returning();
  if (!row) throw new Error(`insert into ${kind} returned nothing`);
  return row;
}

export async function updateScript(
  deps: Deps,
  kind: ScriptKind,
  input: { id: unknown; text: unknown },
): Promise<ScriptRow> {
  const id = parseId(input.id);
  const text = parseScriptText(input.text);
  const table = scriptTables[kind];
  const [row] = await deps.db
    .update(table)
    .set({ text, updatedAt: new Date() })
    .where(eq(table.id, id))
    .returning();
  if (!row) throw notFound(`${singular(kind)} ${id} does not exist`);
  await deps.bus.publish(SCRIPT_CHANGED, { kind, id } satisfies ScriptChanged);
  return row;
}

export async function deleteScript(
  deps: Deps,
  kind: ScriptKind,
  input: { id: unknown },
): Promise<ScriptRow> {
  const id = parseId(input.id);
  const table = scriptTables[kind];
  const [row] = await deps.db.delete(table).where(eq(table.id, id)).returning();
  if (!row) throw notFound(`${singular(kind)} ${id} does not exist`);
  await deps.bus.publish(SCRIPT_CHANGED, { kind, id } satisfies ScriptChanged);
  return row;
}
