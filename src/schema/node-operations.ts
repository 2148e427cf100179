import { SCRIPT_RUN_STATUSES, type ScriptRunRow } from "../db/schema.ts";
import {
  appendScriptOutput,
  finishScriptRun,
  getScriptRun,
  pingLocalnode,
  resetHostKey,
  runScript,
  scriptRunUpdates,
} from "../resolvers/node-operations.ts";
import { builder } from "./builder.ts";
import { Localnode } from "./localnodes.ts";
import { callingDistributor } from "./principal.ts";

const ScriptRunStatus = builder.enumType("ScriptRunStatus", { values: SCRIPT_RUN_STATUSES });

const ScriptRun = builder.objectRef<ScriptRunRow>("ScriptRun").implement({
  description:
    "A script run on a node over SSH by its site's distributor. Output is kept up to 64 KiB.",
  fields: (t) => ({
    id: t.exposeID("id"),
    localnodeId: t.exposeID("localnodeId"),
    distributorId: t.exposeID("distributorId"),
    user: t.exposeString("user"),
    status: t.field({ type: ScriptRunStatus, resolve: (r) => r.status }),
    exitCode: t.exposeInt("exitCode", { nullable: true }),
    output: t.exposeString("output"),
    error: t.exposeString("error", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const RunScriptInput = builder.inputType("RunScriptInput", {
  fields: (t) => ({
    localnodeId: t.id(),
    script: t.string(),
    privateKey: t.string({ description: "used for this run only, in memory; never stored" }),
    user: t.string({ required: false, defaultValue: "root" }),
  }),
});
const LocalnodeIdInput = builder.inputType("PingLocalnodeInput", {
  fields: (t) => ({ id: t.id() }),
});
const ResetHostKeyInput = builder.inputType("ResetHostKeyInput", {
  fields: (t) => ({ id: t.id() }),
});
const ReportScriptOutputInput = builder.inputType("ReportScriptOutputInput", {
  fields: (t) => ({
    scriptRunId: t.id(),
    chunk: t.string(),
    offset: t.int({
      required: false,
      description:
        "Characters of output reported before this chunk: a chunk sent twice (a retried report) is kept once.",
    }),
  }),
});
const FinishScriptRunInput = builder.inputType("FinishScriptRunInput", {
  fields: (t) => ({
    scriptRunId: t.id(),
    exitCode: t.int({ required: false }),
    error: t.string({ required: false }),
    hostKey: t.string({ required: false, description: "SHA256 fingerprint the node presented" }),
  }),
});

builder.queryFields((t) => ({
  scriptRun: t.field({
    type: ScriptRun,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getScriptRun(ctx.deps, args.id),
  }),
}));

builder.mutationFields((t) => ({
  pingLocalnode: t.field({
    type: Localnode,
    description: "Has the node's distributor ping it; pingable is updated with the answer.",
    args: { input: t.arg({ type: LocalnodeIdInput, required: true }) },
    resolve: (_root, { input }, ctx) => pingLocalnode(ctx.deps, input),
  }),
  runScript: t.field({
    type: ScriptRun,
    description: "Queues a script; follow it with the scriptRun subscription.",
    args: { input: t.arg({ type: RunScriptInput, required: true }) },
    resolve: (_root, { input }, ctx) => runScript(ctx.deps, input),
  }),
  resetHostKey: t.field({
    type: Localnode,
    description: "Forgets the node's pinned SSH host key, so the next contact pins the new one.",
    args: { input: t.arg({ type: ResetHostKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => resetHostKey(ctx.deps, input),
  }),
  reportScriptOutput: t.boolean({
    description: "Distributor only: output of a running script.",
    args: { input: t.arg({ type: ReportScriptOutputInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      appendScriptOutput(ctx.deps, callingDistributor(ctx), input),
  }),
  finishScriptRun: t.field({
    type: ScriptRun,
    description:
      "Distributor only: the run ended (exit code, or an error such as a changed host key).",
    args: { input: t.arg({ type: FinishScriptRunInput, required: true }) },
    resolve: (_root, { input }, ctx) => finishScriptRun(ctx.deps, callingDistributor(ctx), input),
  }),
}));

builder.subscriptionFields((t) => ({
  scriptRun: t.field({
    type: ScriptRun,
    description: "The run now and as output arrives; ends when it is DONE or FAILED.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => scriptRunUpdates(ctx.deps, args.id, ctx.signal),
    resolve: (run) => run,
  }),
}));
