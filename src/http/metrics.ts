import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export type Metrics = {
  registry: Registry;
  requests: Histogram<"route" | "method" | "status">;
  registrations: Counter;
};

/** One registry per app, so several apps in one test process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "provisioner_" });
  return {
    registry,
    requests: new Histogram({
      name: "provisioner_http_request_duration_seconds",
      help: "HTTP requests by route template, method and status",
      labelNames: ["route", "method", "status"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    registrations: new Counter({
      name: "provisioner_localnode_registrations_total",
      help: "Node registrations accepted through POST /api/localnodes",
      registers: [registry],
    }),
  };
}
