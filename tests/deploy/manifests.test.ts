import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  DEPLOY_DIR,
  find,
  type K8sObject,
  describe as name,
  renderKustomization,
} from "./render.ts";

/**
 * Every object of every kustomization under deploy/ is checked offline against the
 * Kubernetes JSON schemas of npm `kubernetes-models` (Kubernetes 1.3x), after rendering with
 * the real kustomize (kubectl kustomize). CloudNativePG's Cluster has no published model
 * there: it is checked against the fields we use (zod) and against the Secret it produces.
 * Then cross-object rules a schema cannot see: every ConfigMap/Secret a pod reads exists
 * (generated names carry hashes), every Service selects pods, probes point at /healthz.
 */

const KUSTOMIZATIONS = ["overlays/single", "overlays/ha", "overlays/podman", "distributor"];

type Validatable = { validate(): void };
type ModelClass = new (data: object) => Validatable;

/** kubernetes-models/<group>/<version>/<Kind>: one module per kind, exporting its class. */
async function modelFor(o: K8sObject): Promise<ModelClass> {
  const module: Record<string, unknown> = await import(
    `kubernetes-models/${o.apiVersion}/${o.kind}`
  );
  const model = module[o.kind];
  if (typeof model !== "function") throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
  return model as ModelClass;
}

/** The fields of CloudNativePG's Cluster (postgresql.cnpg.io/v1) this project sets. */
const cnpgCluster = z.object({
  apiVersion: z.literal("postgresql.cnpg.io/v1"),
  kind: z.literal("Cluster"),
  metadata: z.object({ name: z.string().regex(/^[a-z0-9-]+$/) }),
  spec: z.strictObject({
    instances: z.number().int().min(3),
    primaryUpdateStrategy: z.enum(["unsupervised", "supervised"]),
    bootstrap: z.strictObject({
      initdb: z.strictObject({ database: z.string(), owner: z.string() }),
    }),
    storage: z.strictObject({ size: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/) }),
    resources: z.object({}).passthrough(),
  }),
});

/**
 * kustomize wraps long base64 values of Secret data at 70 columns; the API server's decoder
 * (Go encoding/base64) skips those newlines, the schema's "byte" format does not.
 */
function asApiServerReadsIt(o: K8sObject): K8sObject {
  if (o.kind !== "Secret" || typeof o.data !== "object" || o.data === null) return o;
  const data = Object.fromEntries(
    Object.entries(o.data).map(([k, v]) => [k, String(v).replace(/\n/g, "")]),
  );
  return { ...o, data };
}

type EnvSource = { configMapRef?: { name: string }; secretRef?: { name: string } };
type EnvVar = {
  name: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
};
type Probe = { httpGet?: { path: string; port: string | number } };
type Container = {
  name: string;
  image: string;
  envFrom?: EnvSource[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
};
type PodSpec = { containers: Container[]; initContainers?: Container[] };
type Workload = K8sObject & {
  spec: {
    replicas?: number;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

const workloads = (objects: K8sObject[]) =>
  objects.filter((o): o is Workload => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
const containersOf = (w: Workload) => [
  ...(w.spec.template.spec.initContainers ?? []),
  ...w.spec.template.spec.containers,
];

/** Names of ConfigMaps and Secrets the pods read that no object of the overlay provides. */
function missingReferences(objects: K8sObject[], providedElsewhere: string[]): string[] {
  const have = new Set(objects.map(name));
  const missing: string[] = [];
  for (const w of workloads(objects)) {
    for (const c of containersOf(w)) {
      const refs = [
        ...(c.envFrom ?? []).map((s) =>
          s.configMapRef ? `ConfigMap/${s.configMapRef.name}` : `Secret/${s.secretRef?.name}`,
        ),
        ...(c.env ?? []).flatMap((e) => [
          ...(e.valueFrom?.secretKeyRef ? [`Secret/${e.valueFrom.secretKeyRef.name}`] : []),
          ...(e.valueFrom?.configMapKeyRef
            ? [`ConfigMap/${e.valueFrom.configMapKeyRef.name}`]
            : []),
        ]),
      ];
      for (const ref of refs)
        if (!have.has(ref) && !providedElsewhere.includes(ref)) missing.push(`${name(w)} → ${ref}`);
    }
  }
  return missing;
}

describe("deploy/: every object validates against the Kubernetes schemas", () => {
  test("the validator rejects a wrong object (so a pass means something)", async () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "broken" },
      spec: { replicas: "three", selector: {}, template: {} },
    };
    const Model = await modelFor(broken as unknown as K8sObject);
    expect(() => new Model(broken).validate()).toThrow(/replicas/);
  });

  for (const dir of KUSTOMIZATIONS) {
    test(`${dir}: all objects valid`, async () => {
      const objects = await renderKustomization(join(DEPLOY_DIR, dir));
      expect(objects.length).toBeGreaterThan(0);
      for (const o of objects) {
        if (o.apiVersion === "postgresql.cnpg.io/v1") {
          cnpgCluster.parse(o);
          continue;
        }
        const Model = await modelFor(o);
        expect(() => new Model(asApiServerReadsIt(o)).validate(), name(o)).not.toThrow();
      }
    });
  }
});

describe("deploy/: what the overlays promise", () => {
  test("single: one serve replica, a worker, PostgreSQL and MinIO in the cluster, all wired", async () => {
    const objects = await renderKustomization(join(DEPLOY_DIR, "overlays/single"));
    // Generated Secrets carry a hash of their content in the name.
    const names = objects.map((o) => name(o).replace(/^(Secret\/.*)-[a-z0-9]{10}$/, "$1-<hash>"));
    expect(names.sort()).toEqual(
      [
        "ConfigMap/provisioner-config",
        "Deployment/provisioner-minio",
        "Deployment/provisioner-serve",
        "Deployment/provisioner-worker",
        "Ingress/provisioner",
        "Namespace/provisioner",
        "PersistentVolumeClaim/provisioner-minio",
        "Secret/provisioner-minio-<hash>",
        "Secret/provisioner-postgres-<hash>",
        "Secret/provisioner-secrets-<hash>",
        "Service/provisioner",
        "Service/provisioner-boot",
        "Service/provisioner-minio",
        "Service/provisioner-postgres",
        "StatefulSet/provisioner-postgres",
      ].sort(),
    );
    const serve = find(objects, "Deployment", "provisioner-serve") as Workload;
    expect(serve.spec.replicas).toBe(1);
    expect(missingReferences(objects, [])).toEqual([]);
    const boot = find(objects, "Service", "provisioner-boot") as K8sObject & {
      spec: { type: string; ports: Array<{ nodePort?: number }> };
    };
    expect(boot.spec).toMatchObject({ type: "NodePort", ports: [{ nodePort: 30080 }] });
  });

  test("ha: 3 serve replicas with PDB and HPA, 2 workers, CloudNativePG, external S3", async () => {
    const objects = await renderKustomization(join(DEPLOY_DIR, "overlays/ha"));
    const serve = find(objects, "Deployment", "provisioner-serve") as Workload;
    const worker = find(objects, "Deployment", "provisioner-worker") as Workload;
    expect(serve.spec.replicas).toBe(3);
    expect(worker.spec.replicas).toBe(2);
    expect(find(objects, "PodDisruptionBudget", "provisioner-serve").spec).toEqual({
      minAvailable: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "provisioner-serve" } },
    });
    expect(find(objects, "HorizontalPodAutoscaler", "provisioner-serve").spec).toMatchObject({
      minReplicas: 3,
      scaleTargetRef: { kind: "Deployment", name: "provisioner-serve" },
    });
    const cluster = cnpgCluster.parse(find(objects, "Cluster", "provisioner-db"));
    // CloudNativePG writes the application user's connection URI into <cluster>-app, key uri.
    const dbSecret = `Secret/${cluster.metadata.name}-app`;
    expect(missingReferences(objects, [dbSecret])).toEqual([]);
    for (const c of [...containersOf(serve), ...containersOf(worker)]) {
      expect(c.env, c.name).toContainEqual({
        name: "DATABASE_URL",
        valueFrom: { secretKeyRef: { name: `${cluster.metadata.name}-app`, key: "uri" } },
      });
    }
    expect(objects.some((o) => o.kind === "StatefulSet" || o.metadata.name.includes("minio"))).toBe(
      false,
    );
  });

  for (const dir of ["overlays/single", "overlays/ha"]) {
    test(`${dir}: migrations in an init container, probes on /healthz, Services select pods, WebSocket Ingress`, async () => {
      const objects = await renderKustomization(join(DEPLOY_DIR, dir));
      const serve = find(objects, "Deployment", "provisioner-serve") as Workload;
      const pod = serve.spec.template.spec;
      expect(
        pod.initContainers?.map((c) => [c.name, c.image, (c as { args?: string[] }).args]),
      ).toEqual([["migrate", "ghcr.io/provisioner/serve:0.1.0", ["migrate"]]]);
      const [main] = pod.containers;
      expect(main?.readinessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(main?.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
      for (const svc of objects.filter((o) => o.kind === "Service")) {
        const selector = (svc.spec as { selector: Record<string, string> }).selector;
        const matched = workloads(objects).filter((w) =>
          Object.entries(selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
        );
        expect(matched.length, name(svc)).toBeGreaterThan(0);
      }
      const ingress = find(objects, "Ingress", "provisioner");
      expect(ingress.metadata).toMatchObject({
        annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600" },
      });
      // Secrets stay Secrets in the real overlays (only the podman overlay flattens them).
      expect(missingReferences(objects, ["Secret/provisioner-db-app"])).toEqual([]);
      expect(
        containersOf(serve).every((c) =>
          c.envFrom?.some((s) => s.secretRef?.name.startsWith("provisioner-secrets")),
        ),
      ).toBe(true);
    });
  }

  test("distributor DaemonSet: host network, exactly the capabilities it needs, a persistent data dir", async () => {
    const objects = await renderKustomization(join(DEPLOY_DIR, "distributor"));
    const ds = find(objects, "DaemonSet", "provisioner-distributor") as Workload & {
      spec: { template: { spec: { hostNetwork: boolean; volumes: unknown[] } } };
    };
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(ds.spec.template.spec.containers[0]).toMatchObject({
      securityContext: {
        capabilities: {
          drop: ["ALL"],
          add: ["NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETUID", "SETGID"],
        },
      },
      volumeMounts: [{ name: "data", mountPath: "/var/lib/provisioner-distributor" }],
    });
    expect(ds.spec.template.spec.volumes).toEqual([
      {
        name: "data",
        hostPath: { path: "/var/lib/provisioner-distributor", type: "DirectoryOrCreate" },
      },
    ]);
    expect(missingReferences(objects, [])).toEqual([]);
  });
});
