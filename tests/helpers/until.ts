/**
 * Resolves with the first value `check` gives that is not undefined, null or false; fails
 * after `ms` naming `what`, with the last error `check` threw (a server that is still
 * restarting throws; that is "not yet") and whatever `context` adds (a log tail).
 * For conditions that have no event to wait on; where one exists, await the event.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms: number,
  context: () => string = () => "",
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? "" : `\nlast error: ${String(lastError)}`;
      throw new Error(`timed out after ${ms} ms waiting for ${what}${cause}\n${context()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
