import { type DistributorChange, distributorChanges } from "../resolvers/distributor-changes.ts";
import { builder } from "./builder.ts";
import { Distributor } from "./distributors.ts";

const DistributorChangeRef = builder.objectRef<DistributorChange>("DistributorChange").implement({
  description: "A distributor after a change; distributor is null when it was deleted.",
  fields: (t) => ({
    id: t.exposeID("id"),
    distributor: t.field({ type: Distributor, nullable: true, resolve: (c) => c.distributor }),
  }),
});

builder.subscriptionFields((t) => ({
  distributorChanged: t.field({
    type: DistributorChangeRef,
    description:
      "Distributors as they change: online/offline, configuration, on/off, configuration errors, deletion. Optionally one site's only.",
    args: { artifactId: t.arg.string({ required: false }) },
    subscribe: (_root, args, ctx) =>
      distributorChanges(ctx.deps, args.artifactId, ctx.signal ?? new AbortController().signal),
    resolve: (change) => change,
  }),
}));
