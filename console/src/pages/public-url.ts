import { useEffect, useState } from "preact/hooks";
import { request } from "../api/client.ts";
import { ConsolePublicUrlDocument } from "../generated/graphql.ts";

let cached: Promise<string> | undefined;

/** PUBLIC_URL of the server: booting hosts use it, which need not be this page's address. */
export function usePublicUrl(): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    cached ??= request(ConsolePublicUrlDocument).then((d) => d.publicUrl);
    cached.then(setUrl, () => {
      cached = undefined;
    });
  }, []);
  return url;
}
