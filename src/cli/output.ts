/** Prints rows as aligned columns for people, or as JSON for scripts (--json). */
export function printRows(
  rows: Array<Record<string, unknown>>,
  columns: string[],
  json: boolean | undefined,
): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cell = (v: unknown) =>
    v === null || v === undefined ? "" : String(v).replace(/\s+/g, " ").slice(0, 60);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

/** One row as a single line, for streams where column widths are not known in advance. */
export function rowLine(row: Record<string, unknown>, columns: string[]): string {
  return columns
    .map((c) => (row[c] === null || row[c] === undefined ? "-" : String(row[c])))
    .join("  ");
}

export function printOne(value: Record<string, unknown>, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const text = String(v ?? "");
    process.stdout.write(text.includes("\n") ? `${key}:\n${text}\n` : `${key}: ${text}\n`);
  }
}

/** Lists show one page; say so on stderr when the server has more, so nothing is missed silently. */
export function noteMore(shown: number, total: number, how: string): void {
  if (total > shown) process.stderr.write(`showing ${shown} of ${total}; ${how}\n`);
}
