import { useMemo, useState } from "preact/hooks";
import {
  GRUB_ARCHITECTURES,
  GRUB_FRAGMENTS,
  IPXE_TARGETS,
  ISO_SLOTS,
  SYSLINUX_FRAGMENTS,
} from "../../../src/domain/build-targets.ts";
import { request } from "../api/client.ts";
import { useAction, useSubscription } from "../api/hooks.ts";
import { loadAll, useList } from "../api/pages.ts";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import { Progress } from "../components/progress.tsx";
import { Time } from "../components/time.tsx";
import {
  ConsoleBuildChangesDocument,
  type ConsoleBuildFragment,
  ConsoleCreateGrubDocument,
  ConsoleCreateIpxeDocument,
  ConsoleCreateIsoDocument,
  ConsoleCreateSyslinuxDocument,
  ConsoleGrubsDocument,
  ConsoleIpxesDocument,
  ConsoleIsosDocument,
  ConsoleSyslinuxsDocument,
} from "../generated/graphql.ts";
import { usePublicUrl } from "./public-url.ts";

export type Build = ConsoleBuildFragment;

function describe(b: Build): string {
  switch (b.__typename) {
    case "Ipxe":
      return `iPXE ${b.platform}/${b.driver}/${b.extension}`;
    case "Grub":
      return `GRUB ${b.architecture} ${b.fragment} (${b.label})`;
    case "Syslinux":
      return `SYSLINUX ${b.fragment}`;
    case "Iso":
      return `ISO ${b.label}`;
    default:
      return "build";
  }
}

const size = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1048576
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`;

/** Builds by id, kept current by the `builds` subscription. */
export function useBuilds() {
  const query = useList<Build>(async () => {
    // Four lists, each read whole; presented as one page so useList can hold them.
    const lists = await Promise.all([
      loadAll((after) => request(ConsoleIpxesDocument, { after }).then((d) => d.page)),
      loadAll((after) => request(ConsoleGrubsDocument, { after }).then((d) => d.page)),
      loadAll((after) => request(ConsoleSyslinuxsDocument, { after }).then((d) => d.page)),
      loadAll((after) => request(ConsoleIsosDocument, { after }).then((d) => d.page)),
    ]);
    const edges = lists.flat().map((node) => ({ node }));
    return { pageInfo: { hasNextPage: false, endCursor: null }, edges };
  });
  const [changes, setChanges] = useState<Map<string, Build>>(new Map());
  const error = useSubscription(ConsoleBuildChangesDocument, {}, (d) =>
    setChanges((old) => new Map(old).set(d.builds.id, d.builds)),
  );
  const builds = useMemo(() => {
    const all = new Map<string, Build>();
    for (const b of query.items ?? []) all.set(b.id, b);
    for (const [id, b] of changes) all.set(id, b);
    return [...all.values()].sort((a, b) => Number(b.id) - Number(a.id));
  }, [query.items, changes]);
  return { builds, loaded: query.items !== undefined, error: query.error ?? error };
}

function BuildRow(props: { build: Build }) {
  const b = props.build;
  return (
    <li class="card" data-build={b.id}>
      <div class="row spread">
        <strong>
          #{b.id} {describe(b)}
        </strong>
        <span class={`pill ${b.status.toLowerCase()}`}>{b.status.toLowerCase()}</span>
      </div>
      <Progress
        value={b.progress}
        label={`progress of build ${b.id}`}
        failed={b.status === "FAILED"}
      />
      {b.error && <p class="error">{b.error}</p>}
      {b.files.length > 0 && (
        <ul class="files">
          {b.files.map((f) => (
            <li key={f.name}>
              <a href={new URL(f.url).pathname} download={f.name}>
                {f.name}
              </a>{" "}
              <span class="muted">{size(f.size)}</span>
            </li>
          ))}
        </ul>
      )}
      <p class="muted">
        started <Time at={b.createdAt} />
      </p>
    </li>
  );
}

function IpxeForm() {
  const publicUrl = usePublicUrl();
  const [target, setTarget] = useState<string>(IPXE_TARGETS[0].key);
  const [script, setScript] = useState("");
  const { busy, error, run } = useAction();
  const starter = `#!ipxe\ndhcp\nchain ${publicUrl ?? location.origin}/api/mainscripts/1\n`;
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const [platform = "", driver = "", extension = ""] = target.split("/");
        await run(() =>
          request(ConsoleCreateIpxeDocument, {
            input: { platform, driver, extension, script: script || starter },
          }),
        );
      }}
    >
      <label for="ipxe-target">Target</label>
      <select id="ipxe-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
        {IPXE_TARGETS.map((t) => (
          <option key={t.key} value={t.key}>
            {t.label}
          </option>
        ))}
      </select>
      <label for="ipxe-script">Embedded script (runs when iPXE starts)</label>
      <textarea
        id="ipxe-script"
        class="mono"
        rows={5}
        spellcheck={false}
        placeholder={starter}
        value={script}
        onInput={(e) => setScript(e.currentTarget.value)}
      />
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        Build iPXE
      </button>
    </form>
  );
}

function GrubForm() {
  const [label, setLabel] = useState("PROVISIONER");
  const [architecture, setArchitecture] = useState<string>("x64");
  const [fragment, setFragment] = useState<string>("img");
  const { busy, error, run } = useAction();
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        await run(() =>
          request(ConsoleCreateGrubDocument, { input: { label, architecture, fragment } }),
        );
      }}
    >
      <label for="grub-label">Volume label of the medium (at most 32 characters)</label>
      <input
        id="grub-label"
        required
        maxLength={32}
        value={label}
        onInput={(e) => setLabel(e.currentTarget.value)}
      />
      <label for="grub-arch">Architecture</label>
      <select
        id="grub-arch"
        value={architecture}
        onChange={(e) => setArchitecture(e.currentTarget.value)}
      >
        {GRUB_ARCHITECTURES.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
      <label for="grub-fragment">Output</label>
      <select
        id="grub-fragment"
        value={fragment}
        onChange={(e) => setFragment(e.currentTarget.value)}
      >
        {GRUB_FRAGMENTS.map((f) => (
          <option key={f.key} value={f.key}>
            {f.label}
          </option>
        ))}
      </select>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        Build GRUB
      </button>
    </form>
  );
}

function SyslinuxForm() {
  const [fragment, setFragment] = useState<string>(SYSLINUX_FRAGMENTS[0]);
  const { busy, error, run } = useAction();
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        await run(() => request(ConsoleCreateSyslinuxDocument, { input: { fragment } }));
      }}
    >
      <label for="syslinux-fragment">File</label>
      <select
        id="syslinux-fragment"
        value={fragment}
        onChange={(e) => setFragment(e.currentTarget.value)}
      >
        {SYSLINUX_FRAGMENTS.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </select>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        Build SYSLINUX
      </button>
    </form>
  );
}

function fits(b: Build, slot: (typeof ISO_SLOTS)[number]): boolean {
  if (b.__typename !== slot.kind || b.status !== "DONE") return false;
  const fields = b as unknown as Record<string, unknown>;
  return Object.entries(slot.fits).every(([k, v]) => fields[k] === v);
}

function IsoForm(props: { builds: Build[] }) {
  const [label, setLabel] = useState("PROVISIONER");
  const [picked, setPicked] = useState<Record<string, string>>({});
  const { busy, error, run } = useAction();
  const choices = ISO_SLOTS.map((slot) => ({
    slot,
    options: props.builds.filter((b) => fits(b, slot)),
  }));
  const missing = choices.filter((c) => c.options.length === 0).map((c) => c.slot.slot);
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const input: Record<string, string> = { label };
        for (const c of choices) input[c.slot.slot] = picked[c.slot.slot] ?? c.options[0]?.id ?? "";
        await run(() => request(ConsoleCreateIsoDocument, { input: input as { label: string } }));
      }}
    >
      <label for="iso-label">Volume label (at most 32 characters; GRUB builds search for it)</label>
      <input
        id="iso-label"
        required
        maxLength={32}
        value={label}
        onInput={(e) => setLabel(e.currentTarget.value)}
      />
      {choices.map(({ slot, options }) => (
        <div key={slot.slot} class="stack">
          <label for={`iso-${slot.slot}`}>
            {slot.slot} <span class="muted">({Object.values(slot.fits).join(" ")})</span>
          </label>
          <select
            id={`iso-${slot.slot}`}
            disabled={options.length === 0}
            value={picked[slot.slot] ?? options[0]?.id}
            onChange={(e) => setPicked({ ...picked, [slot.slot]: e.currentTarget.value })}
          >
            {options.length === 0 && <option value="">no finished build fits</option>}
            {options.map((b) => (
              <option key={b.id} value={b.id}>
                #{b.id} {describe(b)}
              </option>
            ))}
          </select>
        </div>
      ))}
      {missing.length > 0 && (
        <p class="muted">
          Build these first with the other forms, then come back: {missing.join(", ")}.
        </p>
      )}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy || missing.length > 0}>
        Build ISO
      </button>
    </form>
  );
}

const FORMS = ["iPXE", "GRUB", "SYSLINUX", "ISO"] as const;

export function BuildsPage() {
  const { builds, loaded, error } = useBuilds();
  const [form, setForm] = useState<(typeof FORMS)[number]>("iPXE");
  return (
    <>
      <h1>Builds</h1>
      <div class="columns">
        <section aria-labelledby="new-build">
          <h2 id="new-build">New build</h2>
          <div class="tabs" role="tablist" aria-label="Build kinds">
            {FORMS.map((f) => (
              <button
                key={f}
                type="button"
                role="tab"
                aria-selected={f === form}
                onClick={() => setForm(f)}
              >
                {f}
              </button>
            ))}
          </div>
          {form === "iPXE" && <IpxeForm />}
          {form === "GRUB" && <GrubForm />}
          {form === "SYSLINUX" && <SyslinuxForm />}
          {form === "ISO" && <IsoForm builds={builds} />}
        </section>
        <section aria-labelledby="all-builds">
          <h2 id="all-builds">All builds</h2>
          <ErrorNote error={error} />
          {!loaded && !error && <Loading what="builds" />}
          {loaded && builds.length === 0 && (
            <Empty>
              No builds yet. Start with an iPXE bundle: pick a target and press Build iPXE.
            </Empty>
          )}
          <ul class="cards">
            {builds.map((b) => (
              <BuildRow key={b.id} build={b} />
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}
