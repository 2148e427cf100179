import type { BuildContext, BuildFile } from "../builders/context.ts";
import type { BuildKind, BuildRow } from "../db/schema.ts";

/** What a worker needs besides the input: other builds' files, fetched into a directory. */
export type BuildInputs = {
  /** Copies every file of build `id` into `dir`; returns them by name. */
  filesOf(id: number, dir: string): Promise<BuildFile[]>;
};

/**
 * One build kind: how a request is checked when it is made (nothing is queued
 * when this throws) and how a worker turns the stored input into files.
 */
export type BuildKindSpec<Input extends Record<string, unknown>> = {
  kind: BuildKind;
  /** Validates a GraphQL/CLI request; returns what gets stored and built from. */
  parse(
    raw: Record<string, unknown>,
    lookup: (ref: unknown, field: string) => Promise<BuildRow>,
  ): Promise<Input>;
  build(input: Input, outDir: string, ctx: BuildContext, inputs: BuildInputs): Promise<BuildFile[]>;
};
