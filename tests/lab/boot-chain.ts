import { type BuildView, createIpxe, waitForBuild } from "../helpers/builds.ts";
import { until } from "../helpers/until.ts";
import type { Gql } from "./lab-provisioner.ts";
import { nodeOsCmdline } from "./node-os.ts";

/** Data of a GraphQL answer; its errors become the thrown message. */
export async function must<T>(
  gql: Gql,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const r = await gql<T>(query, variables);
  if (!r.data || r.errors?.length) throw new Error(`${query}\n→ ${JSON.stringify(r.errors)}`);
  return r.data;
}

export type ScriptRunView = {
  id: string;
  status: string;
  exitCode: number | null;
  output: string;
  error: string | null;
};

/** Runs a script on a node through the server and waits until it is DONE or FAILED. */
export async function runScriptToEnd(
  gql: Gql,
  input: { localnodeId: string; script: string; privateKey: string; user: string },
  context: () => string,
): Promise<ScriptRunView> {
  const started = await must<{ runScript: ScriptRunView }>(
    gql,
    "mutation($input: RunScriptInput!) { runScript(input: $input) { id status exitCode output error } }",
    { input },
  );
  return until(
    "the script run to finish",
    async () => {
      const d = await must<{ scriptRun: ScriptRunView }>(
        gql,
        "query($id: ID!) { scriptRun(id: $id) { id status exitCode output error } }",
        { id: started.runScript.id },
      );
      return d.scriptRun.status === "DONE" || d.scriptRun.status === "FAILED"
        ? d.scriptRun
        : undefined;
    },
    90_000,
    context,
    500,
  );
}

export type BootChainOptions = {
  site: string;
  /** The server as the booting hosts reach it. */
  serverUrl: string;
  /** Where the node OS's vmlinuz and initrd.gz are served (a "mirror"). */
  mirrorUrl: string;
  distributorName: string;
  device: string;
  range: string;
  /** The iPXE script embedded in both builds, given the mainscript's URL. */
  embeddedScript: (mainscriptUrl: string) => string;
  /** When set, the scripts `echo "<label>: mainscript|subscript"` on the console. */
  label?: string;
};

export type BootChain = {
  publicKey: string;
  privateKey: string;
  distributorId: string;
  distributorToken: string;
  builds: BuildView[];
};

/**
 * What an operator sets up for a site, through the server's API: open
 * enrollment, an SSH key, the boot chain (iPXE builds with an embedded script
 * → mainscript → subscript → node OS) and its distributor, switched on.
 */
export async function setUpBootChain(gql: Gql, o: BootChainOptions): Promise<BootChain> {
  const echo = (what: string) => (o.label ? [`echo ${o.label}: ${what}`] : []);
  await must(
    gql,
    "mutation($input: UpsertSiteInput!) { upsertSite(input: $input) { artifactId } }",
    {
      input: { artifactId: o.site, openEnrollment: true },
    },
  );
  const pair = await must<{ generateSshKeyPair: { publicKey: string; privateKey: string } }>(
    gql,
    "mutation { generateSshKeyPair(input: { algorithm: ED25519 }) { publicKey privateKey } }",
  );
  const key = await must<{ addSshKey: { id: string } }>(
    gql,
    "mutation($input: AddSshKeyInput!) { addSshKey(input: $input) { id } }",
    { input: { text: pair.generateSshKeyPair.publicKey, artifactId: o.site } },
  );
  const cmdline = nodeOsCmdline({
    keysUrl: `${o.serverUrl}/api/sshkeys/${key.addSshKey.id}`,
    callhomeUrl: `${o.serverUrl}/api/localnodes`,
    artifactId: o.site,
  });
  const sub = await must<{ createSubscript: { id: string } }>(
    gql,
    "mutation($input: CreateSubscriptInput!) { createSubscript(input: $input) { id } }",
    {
      input: {
        text: [
          "#!ipxe",
          ...echo("subscript"),
          `kernel ${o.mirrorUrl}/vmlinuz initrd=initrd.gz ${cmdline}`,
          `initrd ${o.mirrorUrl}/initrd.gz`,
          "boot",
          "",
        ].join("\n"),
      },
    },
  );
  const main = await must<{ createMainscript: { id: string } }>(
    gql,
    "mutation($input: CreateMainscriptInput!) { createMainscript(input: $input) { id } }",
    {
      input: {
        text: [
          "#!ipxe",
          ...echo("mainscript"),
          `chain ${o.serverUrl}/api/subscripts/${sub.createSubscript.id}`,
          "",
        ].join("\n"),
      },
    },
  );
  const embedded = o.embeddedScript(`${o.serverUrl}/api/mainscripts/${main.createMainscript.id}`);
  const builds: BuildView[] = [];
  for (const [platform, driver, extension] of [
    ["bin-x86_64-efi", "ipxe", "efi"],
    ["bin-x86_64-pcbios", "undionly", "kpxe"],
  ] as const) {
    const created = await createIpxe({ gql }, { script: embedded, platform, driver, extension });
    const done = await waitForBuild({ gql }, created.id);
    if (done.status !== "DONE")
      throw new Error(`iPXE build ${platform}/${driver}/${extension}: ${done.error}`);
    builds.push(done);
  }
  const token = await must<{
    createDistributorToken: { token: string; distributor: { id: string } };
  }>(
    gql,
    "mutation($input: CreateDistributorTokenInput!) { createDistributorToken(input: $input) { token distributor { id } } }",
    { input: { artifactId: o.site, name: o.distributorName } },
  );
  const distributorId = token.createDistributorToken.distributor.id;
  await must(
    gql,
    "mutation($input: UpdateDistributorInput!) { updateDistributor(input: $input) { id } }",
    {
      input: {
        id: distributorId,
        ipxeUefi: builds[0]?.id,
        ipxeBios: builds[1]?.id,
        device: o.device,
        range: o.range,
      },
    },
  );
  await must(
    gql,
    "mutation($input: SetDistributorStatusInput!) { setDistributorStatus(input: $input) { on } }",
    {
      input: { id: distributorId, on: true },
    },
  );
  return {
    publicKey: pair.generateSshKeyPair.publicKey,
    privateKey: pair.generateSshKeyPair.privateKey,
    distributorId,
    distributorToken: token.createDistributorToken.token,
    builds,
  };
}
