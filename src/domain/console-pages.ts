/**
 * The web console's pages. The console's router and the server's index.html
 * fallback both read this list, so a reload on /nodes works and /nothing/here
 * still answers 404.
 */
export const CONSOLE_PAGES = [
  { path: "/", title: "Overview" },
  { path: "/sites", title: "Sites" },
  { path: "/scripts", title: "Scripts" },
  { path: "/sshkeys", title: "SSH keys" },
  { path: "/builds", title: "Builds" },
  { path: "/distributors", title: "Distributors" },
  { path: "/nodes", title: "Nodes" },
] as const;

export type ConsolePath = (typeof CONSOLE_PAGES)[number]["path"];

/** The page a URL path belongs to (sub-paths such as /distributors/3 included). */
export function consolePageOf(pathname: string): ConsolePath | undefined {
  if (pathname === "/" || pathname === "") return "/";
  const first = `/${pathname.split("/")[1] ?? ""}`;
  return CONSOLE_PAGES.find((page) => page.path !== "/" && page.path === first)?.path;
}
