/**
 * Resolves with the first value `check` gives that is not undefined, null or false; fails
 * after `ms` naming `what`, with whatever `context` adds (a log tail, the last answer).
 * For conditions that have no event to wait on; where one exists, await the event.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms: number,
  context: () => string = () => "",
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
