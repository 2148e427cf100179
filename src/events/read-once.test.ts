import { describe, expect, it } from "vitest";
import { readOncePerEvent } from "./read-once.ts";

describe("readOncePerEvent", () => {
  it("reads once for all subscribers of one event, and again for the next event", async () => {
    const rowFor = readOncePerEvent<number>();
    let reads = 0;
    const read = async () => ++reads;
    const first = { id: 1 };
    const answers = await Promise.all(Array.from({ length: 1000 }, () => rowFor(first, read)));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(reads).toBe(1);
    expect(await rowFor({ id: 1 }, read)).toBe(2);
    expect(reads).toBe(2);
  });
});
