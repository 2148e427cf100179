import { useState } from "preact/hooks";
import { request } from "../api/client.ts";
import { explain } from "../api/errors.ts";
import { signIn } from "../api/session.ts";
import { ConsolePublicUrlDocument } from "../generated/graphql.ts";

export function SignIn() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <h1>Provisioner</h1>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          // Try the token before keeping it, so a typo is reported here and not on every page.
          try {
            await request(ConsolePublicUrlDocument, {}, token.trim());
            signIn(token.trim());
          } catch (e) {
            setError(explain(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="token">Operator token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          provisioner serve prints where its first operator token is (or uses ADMIN_TOKEN). The
          token is kept in this tab only and forgotten when you close it.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
