import { useState } from "preact/hooks";
import { request } from "../api/client.ts";
import { useAction } from "../api/hooks.ts";
import { useList } from "../api/pages.ts";
import { Secret } from "../components/copy-button.tsx";
import { Empty, ErrorNote, Loading } from "../components/notes.tsx";
import {
  ConsoleRotateEnrollmentTokenDocument,
  ConsoleSitesDocument,
  ConsoleUpsertSiteDocument,
} from "../generated/graphql.ts";

type Site = {
  artifactId: string;
  openEnrollment: boolean;
  enrollmentToken: string;
  updatedAt: string;
};

function SiteCard(props: { site: Site; onChange: (site: Site) => void }) {
  const { site } = props;
  const { busy, error, run } = useAction();
  return (
    <li class="card">
      <div class="row spread">
        <strong>{site.artifactId}</strong>
        <span class={site.openEnrollment ? "pill warn" : "pill"}>
          enrollment {site.openEnrollment ? "open" : "closed"}
        </span>
      </div>
      <p class="muted">
        {site.openEnrollment
          ? "Any host on the network may register as a node of this site."
          : "Hosts register only with this enrollment token (token=… on POST /api/localnodes):"}
      </p>
      <Secret value={site.enrollmentToken} label={`enrollment token of ${site.artifactId}`} />
      <ErrorNote error={error} />
      <div class="row">
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            const r = await run(() =>
              request(ConsoleUpsertSiteDocument, {
                artifactId: site.artifactId,
                openEnrollment: !site.openEnrollment,
              }),
            );
            if (r) props.onChange(r.upsertSite);
          }}
        >
          {site.openEnrollment ? "Close enrollment" : "Open enrollment"}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            if (!confirm("Rotate the token? Hosts with the old token can no longer register."))
              return;
            const r = await run(() =>
              request(ConsoleRotateEnrollmentTokenDocument, { artifactId: site.artifactId }),
            );
            if (r) props.onChange(r.rotateEnrollmentToken);
          }}
        >
          Rotate token
        </button>
      </div>
    </li>
  );
}

export function SitesPage() {
  const sites = useList((after) => request(ConsoleSitesDocument, { after }).then((d) => d.sites));
  const [name, setName] = useState("");
  const { busy, error, run } = useAction();
  const list = sites.items ?? [];
  const replace = (site: Site) =>
    sites.setItems((old) =>
      [...old.filter((s) => s.artifactId !== site.artifactId), site].sort((a, b) =>
        a.artifactId.localeCompare(b.artifactId),
      ),
    );
  return (
    <>
      <h1>Sites</h1>
      <ErrorNote error={sites.error} />
      {!sites.items && !sites.error && <Loading what="sites" />}
      {sites.items && list.length === 0 && (
        <Empty>No sites yet. Name your first site below (for example lab.example.org).</Empty>
      )}
      <ul class="cards">
        {list.map((s) => (
          <SiteCard key={s.artifactId} site={s} onChange={replace} />
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const r = await run(() =>
            request(ConsoleUpsertSiteDocument, { artifactId: name.trim(), openEnrollment: false }),
          );
          if (r) {
            replace(r.upsertSite);
            setName("");
          }
        }}
      >
        <label for="site-name">New site</label>
        <input
          id="site-name"
          required
          placeholder="lab.example.org"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Add site
        </button>
        <ErrorNote error={error} />
      </form>
    </>
  );
}
