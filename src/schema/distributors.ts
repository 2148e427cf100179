import { BOOT_EVENT_KINDS, type BootEventRow, type DistributorRow } from "../db/schema.ts";
import { parseArtifactId, parseWorkId } from "../domain/validation.ts";
import {
  BOOT_EVENT,
  type BootEventInput,
  recentBootEvents,
  recordBootEvents,
} from "../resolvers/boot-events.ts";
import {
  createDistributorToken,
  type DistributorConfig,
  deleteDistributor,
  distributorConfig,
  getDistributor,
  isOnline,
  listDistributors,
  markDistributorSeen,
  registerDistributor,
  reportConfigError,
  setDistributorStatus,
  updateDistributor,
} from "../resolvers/distributors.ts";
import { takeWork } from "../resolvers/node-operations.ts";
import type { RunPayload, Work } from "../work/distributor-work.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";
import { callingDistributor } from "./principal.ts";

const BootEventKind = builder.enumType("BootEventKind", { values: BOOT_EVENT_KINDS });

const BootEvent = builder.objectRef<BootEventRow>("BootEvent").implement({
  description: "Something a distributor's DHCP/TFTP server saw a booting host do.",
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime" }),
    distributorId: t.exposeID("distributorId"),
    mac: t.exposeString("mac", { nullable: true }),
    ip: t.exposeString("ip", { nullable: true }),
    kind: t.field({ type: BootEventKind, resolve: (e) => e.kind }),
    detail: t.exposeString("detail"),
  }),
});

export const Distributor = builder.objectRef<DistributorRow>("Distributor").implement({
  description: "The LAN agent of a site: proxy-DHCP + TFTP for PXE, and SSH to the site's nodes.",
  fields: (t) => ({
    id: t.exposeID("id"),
    artifactId: t.exposeString("artifactId"),
    name: t.exposeString("name"),
    online: t.boolean({
      description: "Connected, and heard from within the last minute",
      resolve: (d) => isOnline(d),
    }),
    lastSeenAt: t.expose("lastSeenAt", { type: "DateTime", nullable: true }),
    on: t.exposeBoolean("on"),
    device: t.exposeString("device", { nullable: true }),
    range: t.exposeString("range", { nullable: true }),
    ipxeUefi: t.id({ nullable: true, resolve: (d) => d.ipxeUefi }),
    ipxeBios: t.id({ nullable: true, resolve: (d) => d.ipxeBios }),
    configError: t.exposeString("configError", {
      nullable: true,
      description:
        "Why the agent could not apply the current configuration (dnsmasq is then stopped); null once it applied.",
    }),
    configErrorAt: t.expose("configErrorAt", { type: "DateTime", nullable: true }),
    events: t.field({
      type: [BootEvent],
      description: "The most recent boot events, newest first.",
      args: { first: t.arg.int({ required: false, defaultValue: 50 }) },
      complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 50, 500) }),
      resolve: (d, args, ctx) => recentBootEvents(ctx.deps, d.id, args.first ?? 50),
    }),
  }),
});
const DistributorConnection = connectionOf("Distributor", Distributor);

const DistributorToken = builder
  .objectRef<{ distributor: DistributorRow; token: string }>("DistributorToken")
  .implement({
    description: "The token is shown once; the server keeps only its hash.",
    fields: (t) => ({
      distributor: t.field({ type: Distributor, resolve: (p) => p.distributor }),
      token: t.exposeString("token"),
    }),
  });

const PxeFile = builder
  .objectRef<{ name: string; url: string; sha256: string; size: number }>("PxeFile")
  .implement({
    fields: (t) => ({
      name: t.exposeString("name"),
      url: t.exposeString("url"),
      sha256: t.exposeString("sha256"),
      size: t.exposeInt("size"),
    }),
  });
const PxeBundle = builder.objectRef<NonNullable<DistributorConfig["uefi"]>>("PxeBundle").implement({
  fields: (t) => ({ files: t.field({ type: [PxeFile], resolve: (b) => b.files }) }),
});
const DistributorConfigRef = builder.objectRef<DistributorConfig>("DistributorConfig").implement({
  fields: (t) => ({
    on: t.exposeBoolean("on"),
    device: t.exposeString("device", { nullable: true }),
    range: t.exposeString("range", { nullable: true }),
    uefi: t.field({ type: PxeBundle, nullable: true, resolve: (c) => c.uefi }),
    bios: t.field({ type: PxeBundle, nullable: true, resolve: (c) => c.bios }),
    scriptUrl: t.exposeString("scriptUrl", { nullable: true }),
  }),
});

const WorkKind = builder.enumType("WorkKind", {
  values: ["CONFIG", "PING", "RUN_SCRIPT"] as const,
});
const PingWorkRef = builder.objectRef<{ localnodeId: number; ip: string }>("PingWork").implement({
  fields: (t) => ({ localnodeId: t.exposeID("localnodeId"), ip: t.exposeString("ip") }),
});
const RunWorkRef = builder
  .objectRef<RunPayload & { sealedKey: string }>("RunScriptWork")
  .implement({
    description:
      "A script to run over SSH. The private key comes sealed to this distributor's own public key.",
    fields: (t) => ({
      scriptRunId: t.exposeID("scriptRunId"),
      ip: t.exposeString("ip"),
      user: t.exposeString("user"),
      script: t.exposeString("script"),
      sealedKey: t.exposeString("sealedKey", {
        description:
          "the private key, sealed (X25519 + HKDF-SHA256 + AES-256-GCM) to registerDistributor's publicKey",
      }),
      hostKey: t.exposeString("hostKey", {
        nullable: true,
        description: "pinned SHA256 fingerprint, if known",
      }),
    }),
  });
const WorkRef = builder
  .objectRef<Work & { config?: DistributorConfig }>("DistributorWork")
  .implement({
    fields: (t) => ({
      id: t.exposeString("id"),
      kind: t.field({ type: WorkKind, resolve: (w) => w.kind }),
      config: t.field({
        type: DistributorConfigRef,
        nullable: true,
        resolve: (w) => w.config ?? null,
      }),
      ping: t.field({
        type: PingWorkRef,
        nullable: true,
        resolve: (w) => (w.kind === "PING" ? w.ping : null),
      }),
      run: t.field({
        type: RunWorkRef,
        nullable: true,
        resolve: (w) => (w.kind === "RUN_SCRIPT" ? w.run : null),
      }),
    }),
  });

const CreateDistributorTokenInput = builder.inputType("CreateDistributorTokenInput", {
  fields: (t) => ({ artifactId: t.string(), name: t.string() }),
});
const UpdateDistributorInput = builder.inputType("UpdateDistributorInput", {
  fields: (t) => ({
    id: t.id(),
    ipxeUefi: t.id({
      required: false,
      description: "iPXE build for UEFI PXE (bin-x86_64-efi, ipxe or snponly)",
    }),
    ipxeBios: t.id({
      required: false,
      description: "iPXE build for BIOS PXE (bin-x86_64-pcbios, undionly or ipxe, kpxe)",
    }),
    ipxePxeUefiUrl: t.string({
      required: false,
      description: "the seed's name: that build's /artifacts/ URL",
    }),
    ipxePxeBiosUrl: t.string({ required: false }),
    device: t.string({ required: false, description: "network interface to serve, e.g. eth0" }),
    range: t.string({
      required: false,
      description: "the LAN, e.g. 192.168.178.1 (/24) or 10.99.0.0/24",
    }),
  }),
});
const DeleteDistributorInput = builder.inputType("DeleteDistributorInput", {
  fields: (t) => ({ id: t.id() }),
});
const SetDistributorStatusInput = builder.inputType("SetDistributorStatusInput", {
  fields: (t) => ({ id: t.id(), on: t.boolean() }),
});
const BootEventInputRef = builder.inputType("BootEventInput", {
  fields: (t) => ({
    mac: t.string({ required: false }),
    ip: t.string({ required: false }),
    kind: t.field({ type: BootEventKind }),
    detail: t.string(),
  }),
});
const ReportBootEventsInput = builder.inputType("ReportBootEventsInput", {
  fields: (t) => ({ events: t.field({ type: [BootEventInputRef] }) }),
});
const AckWorkInput = builder.inputType("AckWorkInput", { fields: (t) => ({ id: t.string() }) });
const ReportConfigErrorInput = builder.inputType("ReportConfigErrorInput", {
  fields: (t) => ({
    message: t.string({
      required: false,
      description: "why the configuration could not be applied; null when it applied",
    }),
  }),
});
const RegisterDistributorInput = builder.inputType("RegisterDistributorInput", {
  fields: (t) => ({
    publicKey: t.string({
      required: false,
      description:
        "the agent's X25519 public key (32 bytes, base64url) that run keys are sealed to",
    }),
  }),
});
const ReportPingInput = builder.inputType("ReportPingInput", {
  fields: (t) => ({ workId: t.string(), pingable: t.boolean() }),
});

builder.queryFields((t) => ({
  distributors: listField(
    t,
    DistributorConnection,
    (ctx, args) => listDistributors(ctx.deps, args),
    { byArtifactId: true },
  ),
  distributor: t.field({
    type: Distributor,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getDistributor(ctx.deps, args.id),
  }),
}));

builder.mutationFields((t) => ({
  createDistributorToken: t.field({
    type: DistributorToken,
    description: "Creates the distributor (or gives an existing one a new token).",
    args: { input: t.arg({ type: CreateDistributorTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) => createDistributorToken(ctx.deps, input),
  }),
  updateDistributor: t.field({
    type: Distributor,
    args: { input: t.arg({ type: UpdateDistributorInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateDistributor(ctx.deps, input),
  }),
  setDistributorStatus: t.field({
    type: Distributor,
    args: { input: t.arg({ type: SetDistributorStatusInput, required: true }) },
    resolve: (_root, { input }, ctx) => setDistributorStatus(ctx.deps, input),
  }),
  deleteDistributor: t.field({
    type: Distributor,
    description:
      "Deletes the distributor with its boot events and script runs; refused (CONFLICT) while its agent is online.",
    args: { input: t.arg({ type: DeleteDistributorInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteDistributor(ctx.deps, input),
  }),
  // The fields below are the distributor agent's (see principal.ts).
  registerDistributor: t.field({
    type: Distributor,
    description:
      "Distributor only: announce itself (idempotent; a restart is the same distributor).",
    args: { input: t.arg({ type: RegisterDistributorInput, required: false }) },
    resolve: (_root, { input }, ctx) =>
      registerDistributor(ctx.deps, callingDistributor(ctx), input),
  }),
  distributorHeartbeat: t.field({
    type: Distributor,
    description: "Distributor only: still alive.",
    resolve: async (_root, _args, ctx) =>
      (await markDistributorSeen(ctx.deps, callingDistributor(ctx).id, true)) ??
      callingDistributor(ctx),
  }),
  reportConfigError: t.field({
    type: Distributor,
    description:
      "Distributor only: the configuration it was sent could not be applied (message), or applied (null).",
    args: { input: t.arg({ type: ReportConfigErrorInput, required: true }) },
    resolve: (_root, { input }, ctx) => reportConfigError(ctx.deps, callingDistributor(ctx), input),
  }),
  ackWork: t.boolean({
    description:
      "Distributor only: it took a work item (a run is then RUNNING and no longer expires). False if the item is not, or no longer, its work.",
    args: { input: t.arg({ type: AckWorkInput, required: true }) },
    resolve: (_root, { input }, ctx) => takeWork(ctx.deps, callingDistributor(ctx), input.id),
  }),
  reportBootEvents: t.int({
    description: "Distributor only: DHCP/TFTP events its dnsmasq logged.",
    args: { input: t.arg({ type: ReportBootEventsInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      recordBootEvents(ctx.deps, callingDistributor(ctx), input.events as BootEventInput[]),
  }),
  reportPing: t.boolean({
    description: "Distributor only: the answer to a PING work item.",
    args: { input: t.arg({ type: ReportPingInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.deps.work.reply(callingDistributor(ctx).id, parseWorkId(input.workId), input.pingable),
  }),
}));

builder.subscriptionFields((t) => ({
  bootEvents: t.field({
    type: BootEvent,
    description: "Boot events of one site's distributors as they are reported.",
    args: { artifactId: t.arg.string({ required: true }) },
    subscribe: (_root, args, ctx) => {
      const artifactId = parseArtifactId(args.artifactId);
      const events = ctx.deps.bus.subscribe<BootEventRow>(BOOT_EVENT, ctx.signal);
      return (async function* () {
        for await (const event of events) if (event.artifactId === artifactId) yield event;
      })();
    },
    resolve: (event) => event,
  }),
  distributorWork: t.field({
    type: WorkRef,
    description:
      "Distributor only: its configuration now and on every change, and the work sent to it.",
    subscribe: (_root, _args, ctx) => {
      const me = callingDistributor(ctx);
      const { deps } = ctx;
      const signal = ctx.signal ?? new AbortController().signal;
      return (async function* () {
        try {
          for await (const work of deps.work.stream(me.id, signal)) {
            if (work.kind !== "CONFIG") yield work;
            else
              yield {
                ...work,
                config: await distributorConfig(deps, await getDistributor(deps, me.id)),
              };
          }
        } finally {
          // Reconnected elsewhere meanwhile? Its next heartbeat marks it online again.
          if (deps.work.streamsOf(me.id) === 0)
            await markDistributorSeen(deps, me.id, false).catch(() => undefined);
        }
      })();
    },
    resolve: (work) => work,
  }),
}));
