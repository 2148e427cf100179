import { builder } from "./builder.ts";

builder.queryFields((t) => ({
  publicUrl: t.string({
    description:
      "The base URL booting hosts use to reach this server (PUBLIC_URL); boot URLs such as /api/mainscripts/<id> start with it.",
    resolve: (_root, _args, ctx) => ctx.deps.config.publicUrl,
  }),
}));
