import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { ToolError } from "../builders/tool.ts";
import { type BuildFileRecord, type BuildRow, builds } from "../db/schema.ts";
import { DomainError } from "../domain/errors.ts";
import { getBuildById, publishBuildChange } from "../resolvers/builds.ts";
import type { Deps } from "../resolvers/deps.ts";
import { makeBuildDir } from "./build-dirs.ts";
import type { BuildInputs } from "./build-kind.ts";
import { buildKinds } from "./kinds.ts";
import type { BuildJob } from "./queue.ts";

const MAX_ERROR_CHARS = 2000;

const PROGRESS_EVERY_MS = 1000;

/** A readable, bounded reason for FAILED: the tool's summary, or the message. */
function describeFailure(error: unknown): string {
  if (error instanceof ToolError || error instanceof DomainError)
    return error.message.slice(0, MAX_ERROR_CHARS);
  if (error instanceof Error) return `build failed: ${error.message}`.slice(0, MAX_ERROR_CHARS);
  return "build failed";
}

async function update(deps: Deps, id: number, values: Partial<BuildRow>): Promise<void> {
  const [row] = await deps.db
    .update(builds)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(builds.id, id))
    .returning();
  if (row) await publishBuildChange(deps, row);
}

function inputsFor(deps: Deps): BuildInputs {
  return {
    async filesOf(id, dir) {
      const row = await getBuildById(deps, id);
      if (row?.status !== "DONE") throw new Error(`input build ${id} is not DONE`);
      return Promise.all(
        row.files.map(async (file) => {
          const target = path.join(dir, file.name);
          await deps.store.fetchTo(file.sha256, target);
          return { name: file.name, path: target };
        }),
      );
    },
  };
}

/**
 * Runs one build job: WORKING with progress, then DONE with stored files or
 * FAILED with the reason. A build that already finished is left alone, so a
 * redelivered job does no harm. If the worker is shutting down (the signal
 * aborts), the error propagates and pg-boss retries the job elsewhere.
 */
export async function runBuildJob(deps: Deps, job: BuildJob, signal: AbortSignal): Promise<void> {
  const row = await getBuildById(deps, job.buildId);
  if (!row || row.status === "DONE" || row.status === "FAILED") return;
  const log = deps.log.child({ buildId: row.id, kind: row.kind });
  const [working] = await deps.db
    .update(builds)
    .set({
      status: "WORKING",
      progress: 0,
      error: null,
      attempts: sql`${builds.attempts} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(builds.id, row.id))
    .returning();
  if (working) await publishBuildChange(deps, working);

  const work = await makeBuildDir(row.id);
  let reported = 0;
  let pending = Promise.resolve();
  // Every change is a row write and an event to every subscriber on every
  // replica; a quick build's intermediate steps are not worth that. Progress
  // is written at most once per PROGRESS_EVERY_MS, the latest value winning.
  let lastWrite = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    timer = undefined;
    lastWrite = performance.now();
    const pct = reported;
    pending = pending.then(() => update(deps, row.id, { progress: pct })).catch(() => undefined);
  };
  const onProgress = (pct: number) => {
    // Progress only moves forward; DONE sets 100.
    if (pct <= reported || pct >= 100) return;
    reported = pct;
    const wait = lastWrite + PROGRESS_EVERY_MS - performance.now();
    if (wait <= 0) write();
    else timer ??= setTimeout(write, wait);
  };
  try {
    const outDir = path.join(work, "out");
    await mkdir(outDir);
    const spec = buildKinds[row.kind];
    const files = await spec.build(row.input, outDir, { signal, onProgress }, inputsFor(deps));
    const records: BuildFileRecord[] = [];
    for (const file of files)
      records.push({ name: file.name, ...(await deps.store.put(file.path)) });
    clearTimeout(timer);
    await pending;
    await update(deps, row.id, { status: "DONE", progress: 100, files: records, error: null });
    log.info({ files: records.map((f) => f.name) }, "build done");
  } catch (error) {
    clearTimeout(timer);
    await pending;
    if (signal.aborted) throw error;
    log.warn({ err: error }, "build failed");
    await update(deps, row.id, { status: "FAILED", error: describeFailure(error) });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A job pg-boss gave up on (its workers kept dying): the build must not stay WORKING. */
export async function failAbandonedBuild(deps: Deps, job: BuildJob): Promise<void> {
  const row = await getBuildById(deps, job.buildId);
  if (!row || row.status === "DONE" || row.status === "FAILED") return;
  await update(deps, row.id, {
    status: "FAILED",
    error: `the worker running this build stopped ${row.attempts} time(s) without finishing; create the build again`,
  });
}
