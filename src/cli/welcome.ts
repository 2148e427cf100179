import type { BootstrapResult } from "../auth/operator-tokens.ts";

/**
 * What `serve` tells a person on the very first start, in plain words: where the
 * console is, where the operator token is and what to run next. It goes to stderr
 * so a JSON log stream on stdout stays machine-readable.
 */
export function welcomeText(url: string, token: BootstrapResult): string | undefined {
  if (token.kind !== "created") return undefined;
  return [
    "",
    "Provisioner is running for the first time.",
    `  Console (GraphiQL):  ${url}/graphql  (open it in a browser; paste the token as "Authorization: Bearer <token>")`,
    `  Operator token:      ${token.file}  (written once, readable only by this user; the CLI reads it from there)`,
    "  Next command:        provisioner site upsert my-site.example",
    "  Then follow docs/tutorial.md: from an empty server to nodes you can reach.",
    "",
  ].join("\n");
}
