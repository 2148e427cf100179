import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export type RunOutcome = { exitCode: number | null; error: string | null; hostKey: string | null };
type Entry = { state: "started" } | ({ state: "finished" } & RunOutcome);

const FILE = "runs.json";
const MAX_ENTRIES = 2000;

/**
 * What this agent has run, kept on disk so that a script runs at most once:
 * the server redelivers a run until it hears the outcome, and after a restart
 * the agent must not start it again. Holds run ids and outcomes only — never
 * scripts or keys.
 */
export class RunJournal {
  private writing = Promise.resolve();
  private readonly file: string;
  private readonly entries: Map<string, Entry>;
  private constructor(file: string, entries: Map<string, Entry>) {
    this.file = file;
    this.entries = entries;
  }

  static async open(dataDir: string): Promise<RunJournal> {
    const file = path.join(dataDir, FILE);
    const raw = await readFile(file, "utf8").catch(() => "{}");
    let parsed: Record<string, Entry> = {};
    try {
      parsed = JSON.parse(raw) as Record<string, Entry>;
    } catch {
      parsed = {};
    }
    return new RunJournal(file, new Map(Object.entries(parsed)));
  }

  get(runId: string): Entry | undefined {
    return this.entries.get(runId);
  }

  /** Recorded before the script starts, so a crash mid-run is remembered too. */
  started(runId: string): Promise<void> {
    return this.set(runId, { state: "started" });
  }

  finished(runId: string, outcome: RunOutcome): Promise<void> {
    return this.set(runId, { state: "finished", ...outcome });
  }

  private set(runId: string, entry: Entry): Promise<void> {
    this.entries.delete(runId);
    this.entries.set(runId, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const snapshot = JSON.stringify(Object.fromEntries(this.entries));
    // Writes are chained and atomic (temp + rename): the file is never half-written.
    this.writing = this.writing.then(async () => {
      await writeFile(`${this.file}.tmp`, snapshot, { mode: 0o600 });
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.writing;
  }
}
