import {
  BUILD_STATUSES,
  type BuildFileRecord,
  type BuildKind,
  type BuildRow,
} from "../db/schema.ts";
import { badInput } from "../domain/errors.ts";
import { ISO_SLOTS } from "../jobs/iso.ts";
import {
  allBuildUpdates,
  buildUpdates,
  createBuild,
  deleteBuild,
  getBuild,
  listBuilds,
} from "../resolvers/builds.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";

const typeNames: Record<BuildKind, string> = {
  ipxes: "Ipxe",
  grubs: "Grub",
  syslinuxs: "Syslinux",
  isos: "Iso",
};

const BuildStatus = builder.enumType("BuildStatus", { values: BUILD_STATUSES });

const BuildFile = builder.objectRef<BuildFileRecord & { url: string }>("BuildFile").implement({
  description: "One output file; download it from url (Content-Length and ETag = sha256).",
  fields: (t) => ({
    name: t.exposeString("name"),
    url: t.exposeString("url"),
    size: t.exposeInt("size"),
    sha256: t.exposeString("sha256"),
  }),
});

const Build = builder.interfaceRef<BuildRow>("Build").implement({
  description:
    "An artifact build: QUEUED, then WORKING with progress, then DONE with files or FAILED with an error.",
  resolveType: (row) => typeNames[row.kind],
  fields: (t) => ({
    id: t.exposeID("id"),
    artifactId: t.exposeString("artifactId"),
    status: t.field({ type: BuildStatus, resolve: (row) => row.status }),
    progress: t.exposeInt("progress"),
    error: t.exposeString("error", { nullable: true }),
    files: t.field({
      type: [BuildFile],
      resolve: (row, _args, ctx) =>
        row.files.map((file) => ({
          ...file,
          url: `${ctx.deps.config.publicUrl}/artifacts/${row.kind}/${row.artifactId}/${file.name}`,
        })),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const inputText = (row: BuildRow, key: string) => String(row.input[key] ?? "");

const Ipxe = builder.objectRef<BuildRow>("Ipxe").implement({
  description: "An iPXE bundle: Debian trixie's iPXE binary plus autoexec.ipxe with the script.",
  interfaces: [Build],
  isTypeOf: (row) => (row as BuildRow).kind === "ipxes",
  fields: (t) => ({
    script: t.string({ resolve: (row) => inputText(row, "script") }),
    platform: t.string({ resolve: (row) => inputText(row, "platform") }),
    driver: t.string({ resolve: (row) => inputText(row, "driver") }),
    extension: t.string({ resolve: (row) => inputText(row, "extension") }),
  }),
});
const Grub = builder.objectRef<BuildRow>("Grub").implement({
  description: "GRUB for UEFI media: grub.img (FAT ESP) or grub.zip (EFI/BOOT/BOOT*.EFI).",
  interfaces: [Build],
  isTypeOf: (row) => (row as BuildRow).kind === "grubs",
  fields: (t) => ({
    label: t.string({ resolve: (row) => inputText(row, "label") }),
    platform: t.string({ resolve: (row) => inputText(row, "platform") }),
    architecture: t.string({ resolve: (row) => inputText(row, "architecture") }),
    extension: t.string({ resolve: (row) => inputText(row, "extension") }),
    fragment: t.string({ resolve: (row) => inputText(row, "fragment") }),
  }),
});
const Syslinux = builder.objectRef<BuildRow>("Syslinux").implement({
  description: "A SYSLINUX fragment from Debian's packages.",
  interfaces: [Build],
  isTypeOf: (row) => (row as BuildRow).kind === "syslinuxs",
  fields: (t) => ({ fragment: t.string({ resolve: (row) => inputText(row, "fragment") }) }),
});
const Iso = builder.objectRef<BuildRow>("Iso").implement({
  description: "A hybrid ISO (CD and USB, BIOS and UEFI) made from earlier builds; dist.iso.",
  interfaces: [Build],
  isTypeOf: (row) => (row as BuildRow).kind === "isos",
  fields: (t) => ({
    label: t.string({ resolve: (row) => inputText(row, "label") }),
    ...Object.fromEntries(
      ISO_SLOTS.map((slot) => [
        slot,
        t.id({ description: `build id used as ${slot}`, resolve: (row) => inputText(row, slot) }),
      ]),
    ),
  }),
});

const refs = { ipxes: Ipxe, grubs: Grub, syslinuxs: Syslinux, isos: Iso };

const CreateIpxeInput = builder.inputType("CreateIpxeInput", {
  fields: (t) => ({
    script: t.string({ description: "iPXE script run at start; #!ipxe is added when missing" }),
    platform: t.string({
      description: "e.g. bin-x86_64-efi, bin-x86_64-pcbios, bin-arm64-efi, bin",
    }),
    driver: t.string({ description: "e.g. ipxe, snponly, undionly" }),
    extension: t.string({ description: "e.g. efi, kpxe, lkrn" }),
  }),
});
const CreateGrubInput = builder.inputType("CreateGrubInput", {
  fields: (t) => ({
    label: t.string({
      description: "volume label of the medium GRUB searches for (at most 32 characters)",
    }),
    platform: t.string({ required: false, defaultValue: "x86_64-efi" }),
    architecture: t.string({ description: "x64 | x86" }),
    extension: t.string({ required: false, defaultValue: "efi" }),
    fragment: t.string({ description: "img (grub.img) | efi (grub.zip)" }),
  }),
});
const CreateSyslinuxInput = builder.inputType("CreateSyslinuxInput", {
  fields: (t) => ({
    fragment: t.string({ description: "ldlinux.c32 | isolinux.bin | isohdpfx.bin" }),
  }),
});
const CreateIsoInput = builder.inputType("CreateIsoInput", {
  description:
    "Each input is a build id of this server, or (the seed's …Url fields) its /artifacts/ URL.",
  fields: (t) => ({
    label: t.string({ description: "volume id of the ISO (at most 32 characters)" }),
    ...Object.fromEntries(
      ISO_SLOTS.flatMap((slot) => [
        [slot, t.id({ required: false })],
        [`${slot}Url`, t.string({ required: false })],
      ]),
    ),
  }),
});

/** The seed named ISO inputs `…Url`; accept either the id or the URL field, not both. */
function isoRequest(input: Record<string, unknown>): Record<string, unknown> {
  const request: Record<string, unknown> = { label: input.label };
  for (const slot of ISO_SLOTS) {
    const id = input[slot];
    const url = input[`${slot}Url`];
    if ((id == null) === (url == null)) throw badInput(`give exactly one of ${slot} or ${slot}Url`);
    request[slot] = id ?? url;
  }
  return request;
}

const kinds: Array<[BuildKind, string]> = [
  ["ipxes", "ipxe"],
  ["grubs", "grub"],
  ["syslinuxs", "syslinux"],
  ["isos", "iso"],
];

for (const [kind, one] of kinds) {
  const ref = refs[kind];
  const Connection = connectionOf(typeNames[kind], ref);
  builder.queryFields((t) => ({
    [kind]: listField(t, Connection, (ctx, args) => listBuilds(ctx.deps, kind, args)),
    [one]: t.field({
      type: ref,
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => getBuild(ctx.deps, kind, args.id),
    }),
  }));
}

builder.queryFields((t) => ({
  build: t.field({
    type: Build,
    nullable: true,
    description: "Any build by id, whatever its kind.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getBuild(ctx.deps, undefined, args.id),
  }),
}));

const DeleteBuildInput = builder.inputType("DeleteBuildInput", {
  fields: (t) => ({ id: t.id() }),
});

builder.mutationFields((t) => ({
  deleteBuild: t.field({
    type: Build,
    description:
      "Deletes a build of any kind; refused (CONFLICT, naming them) while a distributor serves it.",
    args: { input: t.arg({ type: DeleteBuildInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteBuild(ctx.deps, input),
  }),
  createIpxe: t.field({
    type: Ipxe,
    args: { input: t.arg({ type: CreateIpxeInput, required: true }) },
    resolve: (_root, { input }, ctx) => createBuild(ctx.deps, "ipxes", { ...input }),
  }),
  createGrub: t.field({
    type: Grub,
    args: { input: t.arg({ type: CreateGrubInput, required: true }) },
    resolve: (_root, { input }, ctx) => createBuild(ctx.deps, "grubs", { ...input }),
  }),
  createSyslinux: t.field({
    type: Syslinux,
    args: { input: t.arg({ type: CreateSyslinuxInput, required: true }) },
    resolve: (_root, { input }, ctx) => createBuild(ctx.deps, "syslinuxs", { ...input }),
  }),
  createIso: t.field({
    type: Iso,
    args: { input: t.arg({ type: CreateIsoInput, required: true }) },
    resolve: (_root, { input }, ctx) => createBuild(ctx.deps, "isos", isoRequest({ ...input })),
  }),
}));

builder.subscriptionFields((t) => ({
  buildProgress: t.field({
    type: Build,
    description: "The build now and on every change; ends after DONE or FAILED.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => buildUpdates(ctx.deps, args.id, ctx.signal),
    resolve: (row) => row,
  }),
  builds: t.field({
    type: Build,
    description: "Every change of every build.",
    subscribe: (_root, _args, ctx) => allBuildUpdates(ctx.deps, ctx.signal),
    resolve: (row) => row,
  }),
}));
