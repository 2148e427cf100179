import { useEffect, useRef, useState } from "preact/hooks";
import { request, subscribe } from "../api/client.ts";
import { useQuery, useSubscription } from "../api/hooks.ts";
import { useList } from "../api/pages.ts";
import { Link } from "../components/link.tsx";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import { Time } from "../components/time.tsx";
import {
  type ConsoleBootEventFragment,
  ConsoleBootEventsDocument,
  ConsoleNodeRegisteredDocument,
  ConsoleOverviewDocument,
  ConsoleSiteNamesDocument as ConsoleSiteNames,
} from "../generated/graphql.ts";
import { useBuilds } from "./builds.tsx";
import { useDistributorChanges } from "./distributors.tsx";

function Stat(props: { label: string; value: number | string; href: string; testid: string }) {
  return (
    <Link href={props.href}>
      <span class="stat">
        <strong data-testid={props.testid}>{props.value}</strong>
        <span>{props.label}</span>
      </span>
    </Link>
  );
}

export function OverviewPage() {
  const q = useQuery(ConsoleOverviewDocument, {});
  // Rare (connects, disconnects, settings): reading the overview again is simplest.
  const changeError = useDistributorChanges(q.reload, q.reload);
  const [latest, setLatest] = useState<ConsoleBootEventFragment[]>([]);
  const { builds, error: buildError } = useBuilds();
  const siteNames = useList((after) => request(ConsoleSiteNames, { after }).then((d) => d.sites));
  // A registration may be new or a refresh: the server's count tells which.
  const nodeError = useSubscription(ConsoleNodeRegisteredDocument, {}, () => q.reload());
  const sites = (siteNames.items ?? []).map((s) => s.artifactId);
  const siteKey = sites.join(",");
  const stops = useRef<Array<() => void>>([]);
  // One boot-event stream per site (the API streams per site).
  useEffect(() => {
    for (const artifactId of sites)
      stops.current.push(
        subscribe(
          ConsoleBootEventsDocument,
          { artifactId },
          (d) => setLatest((old) => [d.bootEvents, ...old].slice(0, 20)),
          () => undefined,
        ),
      );
    return () => {
      for (const stop of stops.current.splice(0)) stop();
    };
  }, [siteKey]);

  if (q.error) return <ErrorNote error={q.error} />;
  if (!q.data) return <Loading what="the overview" />;
  const d = q.data;
  const inFlight = builds.filter((b) => b.status === "QUEUED" || b.status === "WORKING").length;
  const distributors = d.distributors.edges.map((e) => e.node);
  const online = distributors.filter((x) => x.online).length;
  const stored = distributors.flatMap((x) => x.events);
  const events = [...latest, ...stored].slice(0, 20);
  const names = new Map(distributors.map((x) => [x.id, x.name]));
  return (
    <>
      <h1>Overview</h1>
      <ErrorNote error={buildError ?? nodeError ?? changeError} />
      <div class="stats">
        <Stat label="sites" value={d.sites.totalCount} href="/sites" testid="sites-count" />
        <Stat
          label="distributors online"
          value={online}
          href="/distributors"
          testid="online-count"
        />
        <Stat
          label="offline"
          value={distributors.length - online}
          href="/distributors"
          testid="offline-count"
        />
        <Stat label="nodes" value={d.localnodes.totalCount} href="/nodes" testid="nodes-count" />
        <Stat label="builds in flight" value={inFlight} href="/builds" testid="building-count" />
      </div>
      {d.sites.totalCount === 0 && (
        <Empty>
          Start here: add a site on <Link href="/sites">Sites</Link>, then a distributor for it on{" "}
          <Link href="/distributors">Distributors</Link>.
        </Empty>
      )}
      <section aria-labelledby="latest-title">
        <h2 id="latest-title">Latest boot events</h2>
        {events.length === 0 ? (
          <Empty>No host has tried to boot yet. Boot events appear here live.</Empty>
        ) : (
          <ol class="timeline">
            {events.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <Time at={e.at} /> <span class="pill info">{e.kind}</span>{" "}
                <Link href={`/distributors/${e.distributorId}`}>
                  {names.get(e.distributorId) ?? `distributor ${e.distributorId}`}
                </Link>{" "}
                <span class="mono">{e.mac ?? ""}</span> {e.detail}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
