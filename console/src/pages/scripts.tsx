import { useState } from "preact/hooks";
import { request } from "../api/client.ts";
import { useAction } from "../api/hooks.ts";
import { useList } from "../api/pages.ts";
import { CopyButton } from "../components/copy-button.tsx";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import { Time } from "../components/time.tsx";
import * as ops from "../generated/graphql.ts";
import { usePublicUrl } from "./public-url.ts";

type Script = { id: string; text: string; updatedAt: string };
type Item = { item: Script };

// The five registries share one shape; each kind names its own typed documents.
const KINDS = [
  {
    plural: "mainscripts",
    title: "Mainscripts",
    what: "the iPXE script iPXE chains first, usually a menu",
    list: ops.ConsoleMainscriptsDocument,
    create: ops.ConsoleCreateMainscriptDocument,
    update: ops.ConsoleUpdateMainscriptDocument,
    remove: ops.ConsoleDeleteMainscriptDocument,
    starter:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${target} is iPXE's own syntax
      "#!ipxe\nmenu Boot\nitem shell iPXE shell\nchoose target && goto ${target}\n:shell\nshell\n",
  },
  {
    plural: "subscripts",
    title: "Subscripts",
    what: "an iPXE script with the boot logic (kernel, initrd, arguments)",
    list: ops.ConsoleSubscriptsDocument,
    create: ops.ConsoleCreateSubscriptDocument,
    update: ops.ConsoleUpdateSubscriptDocument,
    remove: ops.ConsoleDeleteSubscriptDocument,
    starter: "#!ipxe\nkernel http://…/vmlinuz\ninitrd http://…/initrd.img\nboot\n",
  },
  {
    plural: "kickstarts",
    title: "Kickstarts",
    what: "an unattended-installation file; may hold secrets",
    list: ops.ConsoleKickstartsDocument,
    create: ops.ConsoleCreateKickstartDocument,
    update: ops.ConsoleUpdateKickstartDocument,
    remove: ops.ConsoleDeleteKickstartDocument,
    starter: "# kickstart\n",
  },
  {
    plural: "prebootscripts",
    title: "Prebootscripts",
    what: "a script the kickstart runs before the installation",
    list: ops.ConsolePrebootscriptsDocument,
    create: ops.ConsoleCreatePrebootscriptDocument,
    update: ops.ConsoleUpdatePrebootscriptDocument,
    remove: ops.ConsoleDeletePrebootscriptDocument,
    starter: "#!/bin/sh\n",
  },
  {
    plural: "postbootscripts",
    title: "Postbootscripts",
    what: "a script the kickstart runs afterwards, usually to call home",
    list: ops.ConsolePostbootscriptsDocument,
    create: ops.ConsoleCreatePostbootscriptDocument,
    update: ops.ConsoleUpdatePostbootscriptDocument,
    remove: ops.ConsoleDeletePostbootscriptDocument,
    starter: "#!/bin/sh\n",
  },
] as const;
type Kind = (typeof KINDS)[number];

// The documents of the five kinds differ only in their operation name; the shapes are the same.
const createOf = (kind: Kind, text: string) =>
  request(kind.create as typeof ops.ConsoleCreateMainscriptDocument, { text }) as Promise<Item>;
const updateOf = (kind: Kind, id: string, text: string) =>
  request(kind.update as typeof ops.ConsoleUpdateMainscriptDocument, { id, text }) as Promise<Item>;
const removeOf = (kind: Kind, id: string) =>
  request(kind.remove as typeof ops.ConsoleDeleteMainscriptDocument, { id });
const listOf = (kind: Kind) => kind.list as unknown as typeof ops.ConsoleMainscriptsDocument;

function Editor(props: {
  kind: Kind;
  script: Script | undefined;
  onSaved: (script: Script) => void;
  onDeleted: () => void;
}) {
  const [text, setText] = useState(props.script?.text ?? props.kind.starter);
  const { busy, error, run } = useAction();
  const id = props.script?.id;
  const noun = props.kind.plural.slice(0, -1);
  return (
    <form
      class="editor stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const saved = await run(() =>
          id ? updateOf(props.kind, id, text) : createOf(props.kind, text),
        );
        if (saved) props.onSaved(saved.item);
      }}
    >
      <label for="script-text">{id ? `Edit ${noun} ${id}` : `New ${noun}`}</label>
      <textarea
        id="script-text"
        class="mono"
        rows={16}
        spellcheck={false}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit" disabled={busy}>
          {id ? "Save" : "Create"}
        </button>
        {id && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={async () => {
              if (!confirm(`Delete ${noun} ${id}?`)) return;
              const done = await run(() => removeOf(props.kind, id));
              if (done) props.onDeleted();
            }}
          >
            Delete
          </button>
        )}
      </div>
    </form>
  );
}

function KindPanel(props: { kind: Kind }) {
  const { kind } = props;
  const noun = kind.plural.slice(0, -1);
  const list = useList(
    (after) => request(listOf(kind), { after }).then((d) => d.items),
    kind.plural,
  );
  const publicUrl = usePublicUrl();
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const items = list.items ?? [];
  const current = items.find((s) => s.id === selected);
  return (
    <section aria-labelledby="kind-title">
      <h2 id="kind-title">{kind.title}</h2>
      <p class="muted">
        A {noun} is {kind.what}.
      </p>
      <ErrorNote error={list.error} />
      {!list.items && !list.error && <Loading what={kind.plural} />}
      {list.items && items.length === 0 && (
        <Empty>No {kind.plural} yet. Create the first one with the button below.</Empty>
      )}
      <ul class="cards">
        {items.map((s) => {
          const url = `${publicUrl ?? location.origin}/api/${kind.plural}/${s.id}`;
          return (
            <li key={s.id} class={s.id === selected ? "card selected" : "card"}>
              <div class="row spread">
                <strong>
                  {noun} {s.id}
                </strong>
                <span class="muted">
                  updated <Time at={s.updatedAt} />
                </span>
              </div>
              <pre class="mono preview">{s.text.split("\n").slice(0, 3).join("\n")}</pre>
              <div class="row">
                <code class="url">{url}</code>
                <CopyButton value={url} label={`URL of ${noun} ${s.id}`} />
                <button type="button" class="small" onClick={() => setSelected(s.id)}>
                  Edit
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={() => setSelected("new")}>
        New {noun}
      </button>
      {selected !== undefined && (selected === "new" || current) && (
        <Editor
          key={`${kind.plural}-${selected}`}
          kind={kind}
          script={current}
          onSaved={(saved) => {
            list.setItems((old) =>
              [...old.filter((s) => s.id !== saved.id), saved].sort(
                (a, b) => Number(a.id) - Number(b.id),
              ),
            );
            setSelected(saved.id);
          }}
          onDeleted={() => {
            setSelected(undefined);
            list.reload();
          }}
        />
      )}
    </section>
  );
}

export function ScriptsPage() {
  const [kind, setKind] = useState<Kind>(KINDS[0]);
  return (
    <>
      <h1>Scripts</h1>
      <div class="tabs" role="tablist" aria-label="Script kinds">
        {KINDS.map((k) => (
          <button
            key={k.plural}
            type="button"
            role="tab"
            aria-selected={k === kind}
            onClick={() => setKind(k)}
          >
            {k.title}
          </button>
        ))}
      </div>
      <KindPanel key={kind.plural} kind={kind} />
    </>
  );
}
