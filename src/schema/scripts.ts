import type { ScriptKind, ScriptRow } from "../db/schema.ts";
import {
  createScript,
  deleteScript,
  getScript,
  listScripts,
  scriptKinds,
  updateScript,
} from "../resolvers/scripts.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";

const typeNames: Record<ScriptKind, string> = {
  mainscripts: "Mainscript",
  subscripts: "Subscript",
  kickstarts: "Kickstart",
  prebootscripts: "Prebootscript",
  postbootscripts: "Postbootscript",
};

const descriptions: Record<ScriptKind, string> = {
  mainscripts: "An iPXE script that iPXE chains first; usually a menu that links to subscripts.",
  subscripts: "An iPXE script with the actual boot logic (kernel, initrd, arguments).",
  kickstarts: "A kickstart file that automates an OS installation. May hold secrets.",
  prebootscripts: "A script a kickstart runs before the OS installation.",
  postbootscripts: "A script a kickstart runs after the installation; usually calls home.",
};

// The five registries share one shape; each gets its own type, fields and inputs.
for (const kind of scriptKinds) {
  const name = typeNames[kind];
  const Script = builder.objectRef<ScriptRow>(name).implement({
    description: `${descriptions[kind]} Raw text at GET /api/${kind}/<id>.`,
    fields: (t) => ({
      id: t.exposeID("id"),
      text: t.exposeString("text"),
      createdAt: t.expose("createdAt", { type: "DateTime" }),
      updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    }),
  });
  const Connection = connectionOf(name, Script);

  const CreateInput = builder.inputType(`Create${name}Input`, {
    fields: (t) => ({ text: t.string() }),
  });
  const UpdateInput = builder.inputType(`Update${name}Input`, {
    fields: (t) => ({ id: t.id(), text: t.string() }),
  });
  const DeleteInput = builder.inputType(`Delete${name}Input`, {
    fields: (t) => ({ id: t.id() }),
  });

  const lower = name.toLowerCase();
  builder.queryFields((t) => ({
    [kind]: listField(t, Connection, (ctx, args) => listScripts(ctx.deps, kind, args)),
    [lower]: t.field({
      nullable: true,
      type: Script,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => getScript(ctx.deps, kind, args.id),
    }),
  }));

  builder.mutationFields((t) => ({
    [`create${name}`]: t.field({
      type: Script,
      args: { input: t.arg({ type: CreateInput, required: true }) },
      resolve: (_root, { input }, ctx) => createScript(ctx.deps, kind, input),
    }),
    [`update${name}`]: t.field({
      type: Script,
      args: { input: t.arg({ type: UpdateInput, required: true }) },
      resolve: (_root, { input }, ctx) => updateScript(ctx.deps, kind, input),
    }),
    [`delete${name}`]: t.field({
      type: Script,
      description: "Deletes the record and returns it as it was.",
      args: { input: t.arg({ type: DeleteInput, required: true }) },
      resolve: (_root, { input }, ctx) => deleteScript(ctx.deps, kind, input),
    }),
  }));
}
