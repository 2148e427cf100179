import type { LocalnodeRow } from "../db/schema.ts";
import { parseArtifactId } from "../domain/validation.ts";
import {
  deleteLocalnode,
  getLocalnode,
  LOCALNODE_REGISTERED,
  listLocalnodes,
  parseRegistration,
  registerLocalnode,
} from "../resolvers/localnodes.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";

export const Localnode = builder.objectRef<LocalnodeRow>("Localnode").implement({
  description: "A host that booted and called home with POST /api/localnodes.",
  fields: (t) => ({
    id: t.exposeID("id"),
    ip: t.exposeString("ip"),
    artifactId: t.exposeString("artifactId"),
    pingable: t.exposeBoolean("pingable"),
    registeredAt: t.expose("registeredAt", { type: "DateTime" }),
    lastSeenAt: t.expose("lastSeenAt", { type: "DateTime" }),
    hostKey: t.exposeString("hostKey", {
      nullable: true,
      description: "SSH host key fingerprint pinned at first contact",
    }),
  }),
});
const LocalnodeConnection = connectionOf("Localnode", Localnode);

const RegisterLocalnodeInput = builder.inputType("RegisterLocalnodeInput", {
  fields: (t) => ({
    ip: t.string(),
    artifactId: t.string(),
    pingable: t.boolean({ required: false, defaultValue: false }),
  }),
});
const DeleteLocalnodeInput = builder.inputType("DeleteLocalnodeInput", {
  fields: (t) => ({ id: t.id() }),
});

builder.queryFields((t) => ({
  localnodes: listField(t, LocalnodeConnection, (ctx, args) => listLocalnodes(ctx.deps, args), {
    byArtifactId: true,
  }),
  localnode: t.field({
    nullable: true,
    type: Localnode,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getLocalnode(ctx.deps, args.id),
  }),
}));

builder.mutationFields((t) => ({
  registerLocalnode: t.field({
    type: Localnode,
    description: "Registers a node as an operator would; the same ip + artifactId refreshes it.",
    args: { input: t.arg({ type: RegisterLocalnodeInput, required: true }) },
    resolve: (_root, { input }, ctx) => registerLocalnode(ctx.deps, parseRegistration(input)),
  }),
  deleteLocalnode: t.field({
    type: Localnode,
    args: { input: t.arg({ type: DeleteLocalnodeInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteLocalnode(ctx.deps, input),
  }),
}));

builder.subscriptionFields((t) => ({
  localnodeRegistered: t.field({
    type: Localnode,
    description: "Every registration (new or refreshed), optionally only for one site.",
    args: { artifactId: t.arg.string({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const only = args.artifactId == null ? undefined : parseArtifactId(args.artifactId);
      const events = ctx.deps.bus.subscribe<LocalnodeRow>(LOCALNODE_REGISTERED, ctx.signal);
      return (async function* () {
        for await (const node of events) {
          if (only === undefined || node.artifactId === only) yield node;
        }
      })();
    },
    resolve: (node) => node,
  }),
}));
