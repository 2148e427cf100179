import { Empty } from "../components/notes.tsx";
import { Time } from "../components/time.tsx";
import type { ConsoleBootEventFragment, ConsoleNodeFragment } from "../generated/graphql.ts";

const WHAT: Record<string, string> = {
  DHCP: "DHCP",
  TFTP: "TFTP file",
  HTTP: "script fetch",
};

type Step = { at: string; kind: string; text: string; ip: string | null };

/**
 * "What happened when this host tried to boot": a distributor's boot events
 * grouped by MAC, oldest first, with the node it registered as (matched by the
 * address its DHCP events carried).
 */
export function BootTimeline(props: {
  events: readonly ConsoleBootEventFragment[];
  nodes: readonly ConsoleNodeFragment[];
}) {
  const byMac = new Map<string, Step[]>();
  for (const e of props.events) {
    const mac = e.mac ?? "unknown MAC";
    const steps = byMac.get(mac) ?? [];
    steps.push({ at: e.at, kind: WHAT[e.kind] ?? e.kind, text: e.detail, ip: e.ip });
    byMac.set(mac, steps);
  }
  if (byMac.size === 0)
    return (
      <Empty>
        No boot events yet. Switch the distributor on, then power on a host on its LAN with network
        boot (PXE) first: DHCP offers, TFTP files and script fetches appear here live.
      </Empty>
    );
  const hosts = [...byMac.entries()].map(([mac, steps]) => {
    steps.sort((a, b) => a.at.localeCompare(b.at));
    const ips = new Set(steps.map((s) => s.ip).filter((ip): ip is string => ip !== null));
    const registered = props.nodes.filter((n) => ips.has(n.ip));
    const last = steps[steps.length - 1]?.at ?? "";
    return { mac, steps, registered, last };
  });
  hosts.sort((a, b) => b.last.localeCompare(a.last));
  return (
    <div class="timelines">
      {hosts.map((h) => (
        <section key={h.mac} class="card" aria-label={`boot timeline of ${h.mac}`} data-mac={h.mac}>
          <h3 class="mono">{h.mac}</h3>
          <ol class="timeline">
            {h.steps.map((s, i) => (
              <li key={`${s.at}-${i}`}>
                <Time at={s.at} />{" "}
                <span class={`pill ${s.kind === "DHCP" ? "" : "info"}`}>{s.kind}</span>{" "}
                <span>{s.text}</span>
                {s.ip && <span class="muted"> · {s.ip}</span>}
              </li>
            ))}
            {h.registered.map((n) => (
              <li key={`node-${n.id}`} class="registered">
                <Time at={n.registeredAt} /> <span class="pill done">registration</span> registered
                as node {n.id} ({n.ip})
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
