import { memo } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import { request, subscribe } from "../api/client.ts";
import { explain } from "../api/errors.ts";
import { useAction, useSubscription } from "../api/hooks.ts";
import { loadAll } from "../api/pages.ts";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import { Time } from "../components/time.tsx";
import { VirtualList } from "../components/virtual-list.tsx";
import {
  type ConsoleNodeFragment,
  ConsoleNodeRegisteredDocument,
  ConsoleNodesDocument,
  ConsolePingNodeDocument,
  ConsoleResetHostKeyDocument,
  ConsoleRunScriptDocument,
  ConsoleScriptRunDocument,
} from "../generated/graphql.ts";

type Node = ConsoleNodeFragment;
const ROW_HEIGHT = 40;

// Ids ascend with registration; a node that registers while pages load still lands in order.
const sortedById = (map: Map<string, Node>) =>
  [...map.values()].sort((a, b) => Number(a.id) - Number(b.id));

/** Every node, page by page (500 is the API's largest page), then live as hosts register. */
function useNodes() {
  const byId = useRef(new Map<string, Node>());
  const [list, setList] = useState<Node[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    (async () => {
      // Shown page by page, so the first rows appear while the rest still load.
      await loadAll(
        (after) => request(ConsoleNodesDocument, { after }).then((d) => d.localnodes),
        (sofar) => {
          if (!live) return;
          for (const n of sofar) byId.current.set(n.id, n);
          setList(sortedById(byId.current));
        },
      );
      if (live) setLoaded(true);
    })().catch((e: unknown) => live && setError(explain(e)));
    return () => {
      live = false;
    };
  }, []);
  const subError = useSubscription(ConsoleNodeRegisteredDocument, {}, (d) => {
    const node = d.localnodeRegistered;
    const known = byId.current.has(node.id);
    byId.current.set(node.id, node);
    // A new node is appended; a refreshed one replaces its own entry. Other rows keep their objects.
    setList((old) => (known ? old.map((n) => (n.id === node.id ? node : n)) : [...old, node]));
  });
  const replace = (node: Node) => {
    byId.current.set(node.id, node);
    setList((old) => old.map((n) => (n.id === node.id ? node : n)));
  };
  return { list, loaded, error: error ?? subError, replace };
}

const NodeRow = memo(function NodeRow(props: {
  node: Node;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const n = props.node;
  return (
    <li class={props.selected ? "node-row selected" : "node-row"} data-node={n.id}>
      <button type="button" class="link-button" onClick={() => props.onSelect(n.id)}>
        node {n.id}
      </button>
      <span class="mono">{n.ip}</span>
      <span>{n.artifactId}</span>
      <span class={n.pingable ? "pill done" : "pill"}>
        {n.pingable ? "pingable" : "not pinged"}
      </span>
      <span class="muted hide-narrow">
        seen <Time at={n.lastSeenAt} />
      </span>
    </li>
  );
});

type Run = {
  id: string;
  status: string;
  exitCode: number | null;
  output: string;
  error: string | null;
};

function RunScript(props: { node: Node }) {
  const [script, setScript] = useState("#!/bin/sh\nuname -a\n");
  const [key, setKey] = useState("");
  const [user, setUser] = useState("root");
  const [run, setRun] = useState<Run | undefined>(undefined);
  const action = useAction();
  const stop = useRef<(() => void) | undefined>(undefined);
  useEffect(() => () => stop.current?.(), []);
  const finished = run && (run.status === "DONE" || run.status === "FAILED");
  return (
    <form
      class="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        stop.current?.();
        const started = await action.run(() =>
          request(ConsoleRunScriptDocument, {
            input: { localnodeId: props.node.id, script, privateKey: key, user },
          }),
        );
        if (!started) return;
        // The key was for this run only: the form forgets it at once.
        setKey("");
        setRun(started.runScript);
        stop.current = subscribe(
          ConsoleScriptRunDocument,
          { id: started.runScript.id },
          (d) => setRun(d.scriptRun),
          (e) => setRun((old) => old && { ...old, error: explain(e) }),
        );
      }}
    >
      <label for="run-script">Script</label>
      <textarea
        id="run-script"
        class="mono"
        rows={6}
        spellcheck={false}
        value={script}
        onInput={(e) => setScript(e.currentTarget.value)}
      />
      <label for="run-key">Private key (OpenSSH; used for this run only and never stored)</label>
      <textarea
        id="run-key"
        class="mono"
        rows={3}
        required
        autoComplete="off"
        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
        value={key}
        onInput={(e) => setKey(e.currentTarget.value)}
      />
      <label for="run-key-file">…or read it from a file</label>
      <input
        id="run-key-file"
        type="file"
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          if (file) setKey(await file.text());
        }}
      />
      <label for="run-user">User</label>
      <input id="run-user" value={user} onInput={(e) => setUser(e.currentTarget.value)} />
      <ErrorNote error={action.error} />
      <button
        type="submit"
        disabled={action.busy || (run !== undefined && !finished) || key === ""}
      >
        Run on node {props.node.id}
      </button>
      {run && (
        <section aria-label="script output" aria-live="polite">
          <p>
            Run {run.id}:{" "}
            <span class={`pill ${run.status.toLowerCase()}`}>{run.status.toLowerCase()}</span>
            {run.exitCode !== null && (
              <>
                {" "}
                exit code <strong data-testid="exit-code">{run.exitCode}</strong>
              </>
            )}
          </p>
          <pre class="mono output" data-testid="run-output">
            {run.output || (finished ? "(no output)" : "waiting for output…")}
          </pre>
          <ErrorNote error={run.error ?? undefined} />
        </section>
      )}
    </form>
  );
}

function NodeDetail(props: { node: Node; onChange: (n: Node) => void }) {
  const n = props.node;
  const { busy, error, run } = useAction();
  return (
    <section class="card" aria-labelledby="node-title">
      <h2 id="node-title">
        Node {n.id} · <span class="mono">{n.ip}</span>
      </h2>
      <p class="muted">
        site {n.artifactId} · registered <Time at={n.registeredAt} /> · host key{" "}
        <span class="mono">{n.hostKey ?? "not pinned yet"}</span>
      </p>
      <div class="row">
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            const r = await run(() => request(ConsolePingNodeDocument, { id: n.id }));
            if (r) props.onChange(r.pingLocalnode);
          }}
        >
          Ping
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            if (
              !confirm(
                "Forget the pinned host key? The next SSH contact pins whatever key the node shows.",
              )
            )
              return;
            const r = await run(() => request(ConsoleResetHostKeyDocument, { id: n.id }));
            if (r) props.onChange(r.resetHostKey);
          }}
        >
          Reset host key
        </button>
      </div>
      <ErrorNote error={error} />
      <h3>Run a script</h3>
      <RunScript key={n.id} node={n} />
    </section>
  );
}

export function NodesPage() {
  const { list, loaded, error, replace } = useNodes();
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const shown = filter
    ? list.filter((n) => n.ip.includes(filter) || n.artifactId.includes(filter))
    : list;
  const node = selected ? list.find((n) => n.id === selected) : undefined;
  return (
    <>
      <h1>Nodes</h1>
      <p class="muted" aria-live="polite">
        <strong data-testid="node-count">{list.length}</strong> nodes
        {!loaded && list.length > 0 && (
          <span data-testid="nodes-loading"> so far, loading more…</span>
        )}
        ; new ones appear here as hosts register.
      </p>
      <ErrorNote error={error} />
      {!loaded && !error && <Loading what="nodes" />}
      {loaded && list.length === 0 && (
        <Empty>
          No nodes yet. A host becomes a node when its postbootscript calls POST /api/localnodes;
          boot one through a distributor (see Distributors) and it appears here.
        </Empty>
      )}
      {list.length > 0 && (
        <>
          <label for="node-filter">Filter by address or site</label>
          <input
            id="node-filter"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
          <VirtualList
            items={shown}
            rowHeight={ROW_HEIGHT}
            height={Math.min(480, Math.max(ROW_HEIGHT, shown.length * ROW_HEIGHT))}
            label="nodes"
            row={(n) => (
              <NodeRow key={n.id} node={n} selected={n.id === selected} onSelect={setSelected} />
            )}
          />
        </>
      )}
      {node && <NodeDetail node={node} onChange={replace} />}
    </>
  );
}
