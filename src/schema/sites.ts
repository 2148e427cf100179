import type { SiteRow } from "../db/schema.ts";
import {
  deleteSite,
  getSite,
  listSites,
  rotateEnrollmentToken,
  upsertSite,
} from "../resolvers/sites.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";

const Site = builder.objectRef<SiteRow>("Site").implement({
  description:
    "A site (the seed's artifactId tag). Hosts register with POST /api/localnodes: freely when openEnrollment is true, otherwise with token=<enrollmentToken>.",
  fields: (t) => ({
    artifactId: t.exposeString("artifactId"),
    openEnrollment: t.exposeBoolean("openEnrollment"),
    enrollmentToken: t.exposeString("enrollmentToken"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});
const SiteConnection = connectionOf("Site", Site);

const UpsertSiteInput = builder.inputType("UpsertSiteInput", {
  fields: (t) => ({
    artifactId: t.string(),
    openEnrollment: t.boolean({ required: false, defaultValue: false }),
  }),
});
const RotateEnrollmentTokenInput = builder.inputType("RotateEnrollmentTokenInput", {
  fields: (t) => ({ artifactId: t.string() }),
});

const DeleteSiteInput = builder.inputType("DeleteSiteInput", {
  fields: (t) => ({
    artifactId: t.string(),
    cascade: t.boolean({
      required: false,
      defaultValue: false,
      description:
        "also delete the site's nodes, distributors (with their events and runs) and SSH keys",
    }),
  }),
});

builder.queryFields((t) => ({
  sites: listField(t, SiteConnection, (ctx, args) => listSites(ctx.deps, args)),
  site: t.field({
    nullable: true,
    type: Site,
    args: { artifactId: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => getSite(ctx.deps, args.artifactId),
  }),
}));

builder.mutationFields((t) => ({
  upsertSite: t.field({
    type: Site,
    args: { input: t.arg({ type: UpsertSiteInput, required: true }) },
    resolve: (_root, { input }, ctx) => upsertSite(ctx.deps, input),
  }),
  deleteSite: t.field({
    type: Site,
    description:
      "Deletes a site. Refused (CONFLICT, naming them) while it has nodes, distributors or SSH keys, unless cascade is true; never while one of its distributors is online.",
    args: { input: t.arg({ type: DeleteSiteInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteSite(ctx.deps, input),
  }),
  rotateEnrollmentToken: t.field({
    type: Site,
    args: { input: t.arg({ type: RotateEnrollmentTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) => rotateEnrollmentToken(ctx.deps, input),
  }),
}));
