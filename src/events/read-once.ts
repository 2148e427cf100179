/**
 * One read per event, however many subscribers react to it. The bus hands the
 * same event object to every local subscriber, so the object itself keys the
 * shared read: a thousand `builds` subscribers cost one row read per change,
 * not a thousand. Entries go when the event object is collected.
 */
export function readOncePerEvent<T>(): (event: object, read: () => Promise<T>) => Promise<T> {
  const reads = new WeakMap<object, Promise<T>>();
  return (event, read) => {
    let pending = reads.get(event);
    if (!pending) {
      pending = read();
      reads.set(event, pending);
    }
    return pending;
  };
}
