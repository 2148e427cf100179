import type { TestServer } from "./test-server.ts";
import { until } from "./until.ts";

export type BuildView = {
  id: string;
  artifactId: string;
  status: "QUEUED" | "WORKING" | "DONE" | "FAILED";
  progress: number;
  error: string | null;
  files: Array<{ name: string; url: string; size: number; sha256: string }>;
};

export const BUILD_FIELDS = "id artifactId status progress error files { name url size sha256 }";

/** Polls build(id) until it is DONE or FAILED (or the deadline passes). */
export async function waitForBuild(
  server: Pick<TestServer, "gql">,
  id: string,
  timeoutMs = 60_000,
): Promise<BuildView> {
  let last = "";
  return until(
    `build ${id} to finish`,
    async () => {
      const r = await server.gql<{ build: BuildView }>(
        `query($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`,
        { id },
      );
      const build = r.data?.build;
      if (!build) throw new Error(JSON.stringify(r.errors));
      last = build.status;
      return build.status === "DONE" || build.status === "FAILED" ? build : undefined;
    },
    timeoutMs,
    () => `still ${last}`,
    50,
  );
}

export async function createIpxe(
  server: Pick<TestServer, "gql">,
  fields: Record<string, string>,
): Promise<BuildView> {
  const r = await server.gql<{ createIpxe: BuildView }>(
    `mutation($input: CreateIpxeInput!) { createIpxe(input: $input) { ${BUILD_FIELDS} } }`,
    { input: fields },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createIpxe;
}
