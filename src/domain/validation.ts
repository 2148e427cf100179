import { badInput } from "./errors.ts";

const MAX_ID = 2_147_483_647;

/** Record ids are small positive integers; anything else is a malformed id, not an unknown one. */
export function parseId(raw: unknown, what = "id"): number {
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^[1-9][0-9]{0,9}$/.test(text)) {
    throw badInput(
      `${what} must be a positive integer, got ${JSON.stringify(String(raw)).slice(0, 40)}`,
    );
  }
  const id = Number(text);
  if (id > MAX_ID) throw badInput(`${what} is out of range`);
  return id;
}

// A site tag such as "felix.pojtinger.swabia.sol": DNS-like labels.
const ARTIFACT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}))*$/;

export function parseArtifactId(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 253 || !ARTIFACT_ID.test(raw)) {
    throw badInput(
      "artifactId must be dot-separated labels of letters, digits, '-' or '_' (at most 253 characters), e.g. felix.pojtinger.swabia.sol",
    );
  }
  return raw;
}

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

export function parseBooleanFlag(raw: unknown, what: string, fallback: boolean): boolean {
  if (raw === undefined || raw === null || raw === "") return fallback;
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    const v = raw.toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  throw badInput(`${what} must be true or false`);
}

export const MAX_SCRIPT_BYTES = 512 * 1024;

export function parseScriptText(raw: unknown, what = "text"): string {
  if (typeof raw !== "string") throw badInput(`${what} must be a string`);
  if (Buffer.byteLength(raw) > MAX_SCRIPT_BYTES) {
    throw badInput(`${what} is larger than ${MAX_SCRIPT_BYTES} bytes`);
  }
  if (raw.includes("\0")) throw badInput(`${what} must not contain NUL bytes`);
  // A lone surrogate ("\ud800" in JSON) cannot be stored as UTF-8; it would become U+FFFD silently.
  if (!raw.isWellFormed())
    throw badInput(`${what} is not valid Unicode (it has a lone surrogate); send it as UTF-8 text`);
  return raw;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Work item ids are UUIDs; anything else is refused before PostgreSQL sees it. */
export function parseWorkId(raw: unknown, what = "workId"): string {
  if (typeof raw !== "string" || !UUID.test(raw))
    throw badInput(`${what} must be a work item id (a UUID)`);
  return raw.toLowerCase();
}
