/** One GraphQL answer as a test sees it: the HTTP status and the body. */
export type GqlResult<T> = {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>;
};

/** POSTs one operation to `<base>/graphql`; `token` null sends no Authorization header. */
export async function gql<T = Record<string, unknown>>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    // A test that waits on a request forever says nothing; this one fails with a name.
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, "status">;
  return { status: res.status, ...body };
}

/** Like gql, but returns the data and throws with the errors when there are any. */
export async function gqlData<T = Record<string, unknown>>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
): Promise<T> {
  const result = await gql<T>(base, query, variables, token);
  if (result.errors?.length || !result.data)
    throw new Error(`GraphQL ${result.status}: ${JSON.stringify(result.errors)}`);
  return result.data;
}
