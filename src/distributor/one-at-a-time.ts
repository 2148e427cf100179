/**
 * Wraps an async function so calls run one after another, each seeing what the one
 * before it left behind. Two configuration changes arriving together must not both
 * stop the old dnsmasq and start a new one: the second would orphan the first's.
 */
export function oneAtATime<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return (...args) => {
    const run = tail.then(() => fn(...args));
    // A failed call is reported to its caller; the next one still runs.
    tail = run.catch(() => undefined);
    return run;
  };
}
