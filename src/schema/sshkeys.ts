import type { SshKeyRow } from "../db/schema.ts";
import {
  addSshKey,
  deleteSshKey,
  generateSshKeyPair,
  getSshKey,
  type KeyPair,
  listSshKeys,
} from "../resolvers/sshkeys.ts";
import { builder } from "./builder.ts";
import { connectionOf, listField } from "./connection.ts";

const SshKey = builder.objectRef<SshKeyRow>("SshKey").implement({
  description: "A public key that nodes of a site trust. Raw text at GET /api/sshkeys/<id>.",
  fields: (t) => ({
    id: t.exposeID("id"),
    text: t.exposeString("text"),
    artifactId: t.exposeString("artifactId"),
    fingerprint: t.exposeString("fingerprint", { description: "OpenSSH SHA256 fingerprint" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
const SshKeyConnection = connectionOf("SshKey", SshKey);

const KeyAlgorithm = builder.enumType("KeyAlgorithm", {
  values: ["ED25519", "ECDSA", "RSA"] as const,
});

const SshKeyPair = builder.objectRef<KeyPair>("SshKeyPair").implement({
  description: "A freshly generated key pair in OpenSSH format. The server keeps no copy.",
  fields: (t) => ({
    algorithm: t.field({ type: KeyAlgorithm, resolve: (p) => p.algorithm }),
    publicKey: t.exposeString("publicKey"),
    privateKey: t.exposeString("privateKey"),
    fingerprint: t.exposeString("fingerprint"),
  }),
});

const AddSshKeyInput = builder.inputType("AddSshKeyInput", {
  fields: (t) => ({ text: t.string(), artifactId: t.string() }),
});
const DeleteSshKeyInput = builder.inputType("DeleteSshKeyInput", {
  fields: (t) => ({ id: t.id() }),
});
const GenerateSshKeyPairInput = builder.inputType("GenerateSshKeyPairInput", {
  fields: (t) => ({
    algorithm: t.field({ type: KeyAlgorithm, required: false, defaultValue: "ED25519" }),
    comment: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  sshkeys: listField(t, SshKeyConnection, (ctx, args) => listSshKeys(ctx.deps, args), {
    byArtifactId: true,
  }),
  sshkey: t.field({
    nullable: true,
    type: SshKey,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getSshKey(ctx.deps, args.id),
  }),
}));

builder.mutationFields((t) => ({
  addSshKey: t.field({
    type: SshKey,
    args: { input: t.arg({ type: AddSshKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => addSshKey(ctx.deps, input),
  }),
  deleteSshKey: t.field({
    type: SshKey,
    args: { input: t.arg({ type: DeleteSshKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteSshKey(ctx.deps, input),
  }),
  generateSshKeyPair: t.field({
    type: SshKeyPair,
    args: { input: t.arg({ type: GenerateSshKeyPairInput, required: false }) },
    resolve: (_root, { input }) => generateSshKeyPair(input ?? {}),
  }),
}));
