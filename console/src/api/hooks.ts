import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { TypedDocumentString } from "../generated/graphql.ts";
import { request, subscribe } from "./client.ts";
import { type ApiError, explain } from "./errors.ts";

export type QueryState<R> = {
  data: R | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
  setData: (update: (previous: R | undefined) => R | undefined) => void;
};

/** Loads once (and when `key` changes); reload() fetches again. */
export function useQuery<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  key = "",
): QueryState<R> {
  const [data, setData] = useState<R | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const vars = useRef(variables);
  vars.current = variables;
  useEffect(() => {
    let live = true;
    setLoading(true);
    request(document, vars.current).then(
      (result) => {
        if (!live) return;
        setData(result);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(explain(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [document, key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload, setData };
}

/** A graphql-ws subscription for as long as the component shows (and `key` stays the same). */
export function useSubscription<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V | undefined,
  onData: (data: R) => void,
  key = "",
): string | undefined {
  const [error, setError] = useState<string | undefined>(undefined);
  const handler = useRef(onData);
  handler.current = onData;
  const vars = useRef(variables);
  vars.current = variables;
  useEffect(() => {
    if (vars.current === undefined) return;
    return subscribe(
      document,
      vars.current,
      (d) => {
        setError(undefined);
        handler.current(d);
      },
      (e: ApiError) => setError(explain(e)),
    );
  }, [document, key]);
  return error;
}

/** Runs a mutation-like action, keeping its error next to the form that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = useCallback(async <T>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (e) {
      setError(explain(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError: () => setError(undefined) };
}
