import { useState } from "preact/hooks";
import { request } from "../api/client.ts";
import { useAction } from "../api/hooks.ts";
import { useList } from "../api/pages.ts";
import { Secret } from "../components/copy-button.tsx";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import {
  ConsoleAddSshKeyDocument,
  ConsoleDeleteSshKeyDocument,
  ConsoleGenerateSshKeyPairDocument,
  ConsoleSshKeysDocument,
  type KeyAlgorithm,
} from "../generated/graphql.ts";

/** The private key leaves the page once, as a download; the server keeps no copy. */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Generate(props: { onPublicKey: (text: string) => void }) {
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>("ED25519");
  const [pair, setPair] = useState<{ publicKey: string; fingerprint: string } | undefined>();
  const { busy, error, run } = useAction();
  return (
    <section aria-labelledby="gen-title">
      <h2 id="gen-title">Generate a key pair</h2>
      <form
        class="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const r = await run(() => request(ConsoleGenerateSshKeyPairDocument, { algorithm }));
          if (!r) return;
          const { privateKey, publicKey, fingerprint } = r.generateSshKeyPair;
          download(`provisioner_${algorithm.toLowerCase()}`, privateKey);
          setPair({ publicKey, fingerprint });
          props.onPublicKey(publicKey);
        }}
      >
        <label for="algorithm">Algorithm</label>
        <select
          id="algorithm"
          value={algorithm}
          onChange={(e) => setAlgorithm(e.currentTarget.value as KeyAlgorithm)}
        >
          <option value="ED25519">Ed25519 (recommended)</option>
          <option value="ECDSA">ECDSA</option>
          <option value="RSA">RSA</option>
        </select>
        <button type="submit" disabled={busy}>
          Generate and download private key
        </button>
      </form>
      <ErrorNote error={error} />
      {pair && (
        <div class="notice" role="status">
          <p>
            The private key was downloaded once and is not kept anywhere else; store it safely. The
            public key ({pair.fingerprint}) is filled in below: add it to a site.
          </p>
          <Secret value={pair.publicKey} label="generated public key" />
        </div>
      )}
    </section>
  );
}

export function SshKeysPage() {
  const keys = useList((after) =>
    request(ConsoleSshKeysDocument, { after }).then((d) => d.sshkeys),
  );
  const [site, setSite] = useState("");
  const [text, setText] = useState("");
  const { busy, error, run } = useAction();
  const list = keys.items ?? [];
  return (
    <>
      <h1>SSH keys</h1>
      <p class="muted">Nodes of a site trust these public keys (GET /api/sshkeys/&lt;id&gt;).</p>
      <ErrorNote error={keys.error} />
      {!keys.items && !keys.error && <Loading what="SSH keys" />}
      {keys.items && list.length === 0 && (
        <Empty>No keys yet. Paste a public key below, or generate a pair.</Empty>
      )}
      <ul class="cards">
        {list.map((k) => (
          <li key={k.id} class="card">
            <div class="row spread">
              <strong>
                key {k.id} · {k.artifactId}
              </strong>
              <button
                type="button"
                class="small danger"
                onClick={async () => {
                  if (!confirm(`Delete key ${k.id}?`)) return;
                  if (await run(() => request(ConsoleDeleteSshKeyDocument, { id: k.id })))
                    keys.reload();
                }}
              >
                Delete
              </button>
            </div>
            <code>{k.fingerprint}</code>
          </li>
        ))}
      </ul>
      <section aria-labelledby="add-title">
        <h2 id="add-title">Add a public key</h2>
        <form
          class="stack"
          onSubmit={async (event) => {
            event.preventDefault();
            const r = await run(() =>
              request(ConsoleAddSshKeyDocument, { artifactId: site.trim(), text: text.trim() }),
            );
            if (r) {
              setText("");
              keys.reload();
            }
          }}
        >
          <label for="key-site">Site</label>
          <input
            id="key-site"
            required
            placeholder="lab.example.org"
            value={site}
            onInput={(e) => setSite(e.currentTarget.value)}
          />
          <label for="key-text">Public key (OpenSSH, one line)</label>
          <textarea
            id="key-text"
            class="mono"
            rows={3}
            required
            placeholder="ssh-ed25519 AAAA… operator@laptop"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <ErrorNote error={error} />
          <button type="submit" disabled={busy}>
            Add key
          </button>
        </form>
      </section>
      <Generate onPublicKey={setText} />
    </>
  );
}
