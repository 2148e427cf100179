import { useCallback, useEffect, useState } from "preact/hooks";
import { explain } from "./errors.ts";

export type Connection<N> = {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: ReadonlyArray<{ node: N }>;
};

/**
 * Every item of a list, page by page: one request stays under the API's
 * complexity limit, and keyset paging stays stable while items are added.
 */
export async function loadAll<N>(
  page: (after: string | null) => Promise<Connection<N>>,
  onPage?: (items: readonly N[]) => void,
): Promise<N[]> {
  const items: N[] = [];
  let after: string | null = null;
  for (;;) {
    const result: Connection<N> = await page(after);
    for (const edge of result.edges) items.push(edge.node);
    onPage?.(items);
    if (!result.pageInfo.hasNextPage || result.pageInfo.endCursor === null) return items;
    after = result.pageInfo.endCursor;
  }
}

export type ListState<N> = {
  items: N[] | undefined;
  error: string | undefined;
  reload: () => void;
  setItems: (update: (old: N[]) => N[]) => void;
};

/** A whole list for a page; reload() reads it again. */
export function useList<N>(
  page: (after: string | null) => Promise<Connection<N>>,
  key = "",
): ListState<N> {
  const [items, setItemsState] = useState<N[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    loadAll(page).then(
      (all) => {
        if (!live) return;
        setItemsState(all);
        setError(undefined);
      },
      (e: unknown) => live && setError(explain(e)),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const setItems = useCallback(
    (update: (old: N[]) => N[]) => setItemsState((old) => update(old ?? [])),
    [],
  );
  return { items, error, reload, setItems };
}
