import { useEffect, useRef, useState } from "preact/hooks";
import { PXE_TARGETS } from "../../../src/domain/build-targets.ts";
import { onLinkState, request } from "../api/client.ts";
import { useAction, useQuery, useSubscription } from "../api/hooks.ts";
import { useList } from "../api/pages.ts";
import { Secret } from "../components/copy-button.tsx";
import { Link } from "../components/link.tsx";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import { Time } from "../components/time.tsx";
import {
  type ConsoleBootEventFragment,
  ConsoleBootEventsDocument,
  ConsoleCreateDistributorTokenDocument,
  ConsoleDistributorChangedDocument,
  ConsoleDistributorDocument,
  type ConsoleDistributorFragment,
  ConsoleDistributorsDocument,
  ConsoleNodeRegisteredDocument,
  ConsoleNodesDocument,
  ConsoleSetDistributorStatusDocument,
  ConsoleUpdateDistributorDocument,
} from "../generated/graphql.ts";
import { BootTimeline } from "./boot-timeline.tsx";
import { type Build, useBuilds } from "./builds.tsx";

export type DistributorChange = {
  id: string;
  distributor: ConsoleDistributorFragment | null;
};

/**
 * Distributor changes as the server streams them (online/offline, configuration,
 * configuration errors, deletion). Changes made while the socket was down are not
 * replayed, so `resync` reads the whole state again once it is back.
 */
export function useDistributorChanges(
  onChange: (change: DistributorChange) => void,
  resync: () => void,
): string | undefined {
  const again = useRef(resync);
  again.current = resync;
  useEffect(() => {
    // The first call reports the state before this view subscribed (the socket closes
    // when no view is subscribed): only a drop while subscribed loses changes.
    let first = true;
    let lost = false;
    return onLinkState((state) => {
      if (first) {
        first = false;
        return;
      }
      if (state === "reconnecting") lost = true;
      else if (state === "live" && lost) {
        lost = false;
        again.current();
      }
    });
  }, []);
  return useSubscription(ConsoleDistributorChangedDocument, {}, (d) =>
    onChange(d.distributorChanged),
  );
}

function Online(props: { d: ConsoleDistributorFragment }) {
  return (
    <span class={props.d.online ? "pill done" : "pill failed"}>
      {props.d.online ? "online" : "offline"}
    </span>
  );
}

/** What the agent said when it could not apply its configuration (dnsmasq is then off). */
function ConfigError(props: { d: ConsoleDistributorFragment }) {
  if (!props.d.configError) return null;
  return (
    <p class="error" data-testid={`config error of ${props.d.name}`}>
      The agent could not apply this configuration (<Time at={props.d.configErrorAt} />
      ): {props.d.configError}. Fix the interface or range below and save again.
    </p>
  );
}

function CreateDistributor(props: { onCreated: () => void }) {
  const [site, setSite] = useState("");
  const [name, setName] = useState("");
  const [token, setToken] = useState<string | undefined>(undefined);
  const { busy, error, run } = useAction();
  return (
    <section aria-labelledby="create-title">
      <h2 id="create-title">Add a distributor</h2>
      <form
        class="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const r = await run(() =>
            request(ConsoleCreateDistributorTokenDocument, {
              artifactId: site.trim(),
              name: name.trim(),
            }),
          );
          if (r) {
            setToken(r.createDistributorToken.token);
            props.onCreated();
          }
        }}
      >
        <label for="dist-site">Site</label>
        <input
          id="dist-site"
          required
          placeholder="lab.example.org"
          value={site}
          onInput={(e) => setSite(e.currentTarget.value)}
        />
        <label for="dist-name">Name</label>
        <input
          id="dist-name"
          required
          placeholder="rack-1"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Create and show token
        </button>
      </form>
      <ErrorNote error={error} />
      {token && (
        <div class="notice" role="status">
          <p>
            This token is shown once; the server keeps only its hash. Start the agent on the LAN:
          </p>
          <Secret value={token} label="distributor token" />
          <pre class="mono">
            provisioner distributor --server {location.origin} --token &lt;token&gt; --interface
            eth0
          </pre>
        </div>
      )}
    </section>
  );
}

function fitting(builds: Build[], keys: readonly string[]) {
  return builds.filter(
    (b) =>
      b.__typename === "Ipxe" &&
      b.status === "DONE" &&
      keys.includes(`${b.platform}/${b.driver}/${b.extension}`),
  );
}

function Configure(props: {
  d: ConsoleDistributorFragment;
  onSaved: (d: ConsoleDistributorFragment) => void;
}) {
  const { d } = props;
  const { builds } = useBuilds();
  const [device, setDevice] = useState(d.device ?? "");
  const [range, setRange] = useState(d.range ?? "");
  const [uefi, setUefi] = useState(d.ipxeUefi ?? "");
  const [bios, setBios] = useState(d.ipxeBios ?? "");
  const { busy, error, run } = useAction();
  const uefiBuilds = fitting(builds, PXE_TARGETS.ipxeUefi);
  const biosBuilds = fitting(builds, PXE_TARGETS.ipxeBios);
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const r = await run(() =>
          request(ConsoleUpdateDistributorDocument, {
            input: {
              id: d.id,
              device: device || null,
              range: range || null,
              ipxeUefi: uefi || null,
              ipxeBios: bios || null,
            },
          }),
        );
        if (r) props.onSaved(r.updateDistributor);
      }}
    >
      <label for="dist-device">Network interface on the LAN</label>
      <input
        id="dist-device"
        placeholder="eth0"
        value={device}
        onInput={(e) => setDevice(e.currentTarget.value)}
      />
      <label for="dist-range">LAN (proxy-DHCP answers here)</label>
      <input
        id="dist-range"
        placeholder="192.168.1.0/24"
        value={range}
        onInput={(e) => setRange(e.currentTarget.value)}
      />
      <label for="dist-uefi">iPXE for UEFI hosts</label>
      <select id="dist-uefi" value={uefi} onChange={(e) => setUefi(e.currentTarget.value)}>
        <option value="">none</option>
        {uefiBuilds.map((b) => (
          <option key={b.id} value={b.id}>
            #{b.id} {b.__typename === "Ipxe" ? `${b.platform}/${b.driver}` : ""}
          </option>
        ))}
      </select>
      <label for="dist-bios">iPXE for BIOS hosts</label>
      <select id="dist-bios" value={bios} onChange={(e) => setBios(e.currentTarget.value)}>
        <option value="">none</option>
        {biosBuilds.map((b) => (
          <option key={b.id} value={b.id}>
            #{b.id} {b.__typename === "Ipxe" ? `${b.platform}/${b.driver}` : ""}
          </option>
        ))}
      </select>
      {uefiBuilds.length + biosBuilds.length === 0 && (
        <p class="muted">
          No finished iPXE build fits yet: on <Link href="/builds">Builds</Link>, build a UEFI
          (ipxe.efi or snponly.efi) or BIOS (undionly.kpxe or ipxe.kpxe) target.
        </p>
      )}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        Save configuration
      </button>
    </form>
  );
}

function Detail(props: { id: string }) {
  const q = useQuery(ConsoleDistributorDocument, { id: props.id }, props.id);
  const changeError = useDistributorChanges((change) => {
    if (change.id !== props.id) return;
    const now = change.distributor;
    // The stored boot events stay; live ones arrive on their own subscription.
    q.setData((old) =>
      old?.distributor && now
        ? { distributor: { ...old.distributor, ...now } }
        : { distributor: null },
    );
  }, q.reload);
  const [live, setLive] = useState<ConsoleBootEventFragment[]>([]);
  const d = q.data?.distributor;
  const nodes = useList(
    (after) =>
      request(ConsoleNodesDocument, { artifactId: d?.artifactId ?? null, after }).then(
        (r) => r.localnodes,
      ),
    `${d?.artifactId}`,
  );
  const { busy, error, run } = useAction();
  const subError = useSubscription(
    ConsoleBootEventsDocument,
    d ? { artifactId: d.artifactId } : undefined,
    (data) => {
      if (data.bootEvents.distributorId === props.id) {
        setLive((old) => [...old, data.bootEvents]);
      }
    },
    d?.artifactId,
  );
  // A boot often ends in a registration: the timeline shows it under the host's MAC.
  useSubscription(ConsoleNodeRegisteredDocument, {}, () => nodes.reload());
  if (q.error) return <ErrorNote error={q.error} />;
  if (!q.data) return <Loading what="the distributor" />;
  if (!d)
    return (
      <Empty>
        There is no distributor {props.id}. <Link href="/distributors">See all distributors</Link>.
      </Empty>
    );
  const seen = new Set(d.events.map((e) => `${e.at}|${e.mac}|${e.detail}`));
  // Stored events come newest first: oldest first like the live ones, so events of the
  // same instant keep the order they were reported in.
  const events = [
    ...[...d.events].reverse(),
    ...live.filter((e) => !seen.has(`${e.at}|${e.mac}|${e.detail}`)),
  ];
  const site = (nodes.items ?? []).filter((n) => n.artifactId === d.artifactId);
  return (
    <>
      <p>
        <Link href="/distributors">← All distributors</Link>
      </p>
      <h1>
        Distributor {d.name} <Online d={d} />
      </h1>
      <p class="muted">
        site {d.artifactId} · last heard from <Time at={d.lastSeenAt} /> · DHCP/TFTP{" "}
        {d.on ? "switched on" : "switched off"}
      </p>
      <ConfigError d={d} />
      <ErrorNote error={changeError} />
      <div class="row">
        <button
          type="button"
          aria-pressed={d.on}
          disabled={busy}
          onClick={async () => {
            const r = await run(() =>
              request(ConsoleSetDistributorStatusDocument, { id: d.id, on: !d.on }),
            );
            if (r) q.reload();
          }}
        >
          {d.on ? "Switch off" : "Switch on"}
        </button>
      </div>
      <ErrorNote error={error} />
      <div class="columns">
        <section aria-labelledby="config-title">
          <h2 id="config-title">Configuration</h2>
          <Configure key={d.id} d={d} onSaved={() => q.reload()} />
        </section>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Boot timeline per MAC</h2>
          <ErrorNote error={subError} />
          <BootTimeline events={events} nodes={site} />
        </section>
      </div>
    </>
  );
}

function List() {
  const q = useList((after) =>
    request(ConsoleDistributorsDocument, { after }).then((d) => d.distributors),
  );
  const changeError = useDistributorChanges((change) => {
    const now = change.distributor;
    q.setItems((old) => {
      const rest = old.filter((d) => d.id !== change.id);
      if (!now) return rest;
      return old.some((d) => d.id === change.id)
        ? old.map((d) => (d.id === change.id ? now : d))
        : [...old, now];
    });
  }, q.reload);
  const list = q.items ?? [];
  return (
    <>
      <h1>Distributors</h1>
      <ErrorNote error={q.error ?? changeError} />
      {!q.items && !q.error && <Loading what="distributors" />}
      {q.items && list.length === 0 && (
        <Empty>No distributors yet. Add one below and start its agent on the hosts' LAN.</Empty>
      )}
      <ul class="cards">
        {list.map((d) => (
          <li key={d.id} class="card">
            <div class="row spread">
              <Link href={`/distributors/${d.id}`}>
                <strong>{d.name}</strong> · {d.artifactId}
              </Link>
              <Online d={d} />
            </div>
            <p class="muted">
              {d.on ? "switched on" : "switched off"} · {d.device ?? "no interface set"} · last
              heard from <Time at={d.lastSeenAt} />
            </p>
            <ConfigError d={d} />
          </li>
        ))}
      </ul>
      <CreateDistributor onCreated={q.reload} />
    </>
  );
}

export function DistributorsPage(props: { path: string }) {
  const id = props.path.split("/")[2];
  return id ? <Detail key={id} id={id} /> : <List />;
}
