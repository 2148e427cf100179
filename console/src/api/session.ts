// The operator token lives in this tab's session storage only: never in a URL, a cookie or a log.
const KEY = "provisioner.operatorToken";

type Listener = (token: string | null) => void;
const listeners = new Set<Listener>();

export function currentToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(token: string): void {
  sessionStorage.setItem(KEY, token);
  for (const l of listeners) l(token);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  for (const l of listeners) l(null);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
