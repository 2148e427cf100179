import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { parseAllDocuments } from "yaml";

/** A Kubernetes object as rendered (plain JSON data). */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

export const DEPLOY_DIR = fileURLToPath(new URL("../../deploy/", import.meta.url));

/**
 * `kubectl kustomize DIR` (kustomize v5 is built into kubectl >= 1.27; these machines have
 * kubectl 1.32): the objects exactly as `kubectl apply -k` would send them.
 */
export async function renderKustomization(dir: string): Promise<K8sObject[]> {
  const result = await execa("kubectl", ["kustomize", dir], { timeout: 60_000, reject: false });
  if (result.exitCode !== 0) {
    throw new Error(`kubectl kustomize ${dir} failed (${result.exitCode}): ${result.stderr}`);
  }
  return parseAllDocuments(result.stdout).map((doc) => {
    if (doc.errors.length) throw new Error(`${dir}: ${doc.errors[0]?.message}`);
    return doc.toJSON() as K8sObject;
  });
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map(describe).join(", ")}`);
  return found;
}

export function describe(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}
