import { useEffect, useState } from "preact/hooks";
import { CONSOLE_PAGES, consolePageOf } from "../../src/domain/console-pages.ts";
import { type LinkState, onLinkState } from "./api/client.ts";
import { currentToken, onSessionChange, signOut } from "./api/session.ts";
import { Link } from "./components/link.tsx";
import { BuildsPage } from "./pages/builds.tsx";
import { DistributorsPage } from "./pages/distributors.tsx";
import { NodesPage } from "./pages/nodes.tsx";
import { OverviewPage } from "./pages/overview.tsx";
import { ScriptsPage } from "./pages/scripts.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { SitesPage } from "./pages/sites.tsx";
import { SshKeysPage } from "./pages/sshkeys.tsx";
import { usePath } from "./router.ts";

function Page(props: { path: string }) {
  switch (consolePageOf(props.path)) {
    case "/":
      return <OverviewPage />;
    case "/sites":
      return <SitesPage />;
    case "/scripts":
      return <ScriptsPage />;
    case "/sshkeys":
      return <SshKeysPage />;
    case "/builds":
      return <BuildsPage />;
    case "/distributors":
      return <DistributorsPage path={props.path} />;
    case "/nodes":
      return <NodesPage />;
    default:
      return (
        <p class="empty">
          There is no page here. <Link href="/">Go to the overview</Link>.
        </p>
      );
  }
}

function LinkBadge() {
  const [state, setState] = useState<LinkState>("connecting");
  useEffect(() => onLinkState(setState), []);
  const words = { connecting: "connecting", live: "live", reconnecting: "reconnecting…" };
  return (
    <span class={`link ${state}`} role="status" title="Live updates over WebSocket">
      {words[state]}
    </span>
  );
}

export function App() {
  const [token, setToken] = useState(currentToken());
  const path = usePath();
  useEffect(() => onSessionChange(setToken), []);
  const page = consolePageOf(path);
  useEffect(() => {
    const title = CONSOLE_PAGES.find((p) => p.path === page)?.title;
    document.title = title ? `${title} · Provisioner` : "Provisioner";
  }, [page]);
  if (!token) return <SignIn />;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <strong class="brand">Provisioner</strong>
        <nav aria-label="Pages">
          {CONSOLE_PAGES.map((p) => (
            <Link key={p.path} href={p.path} current={p.path === page}>
              {p.title}
            </Link>
          ))}
          <a href="/graphql">GraphiQL</a>
        </nav>
        <LinkBadge />
        <button type="button" class="small" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </div>
  );
}
