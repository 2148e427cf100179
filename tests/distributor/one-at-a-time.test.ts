import { describe, expect, it } from "vitest";
import { oneAtATime } from "../../src/distributor/one-at-a-time.ts";

// The agent's configuration step (stop dnsmasq, write files, start dnsmasq) goes through
// this; a real two-config race needs a LAN and firmware, so the ordering is tested here.
describe("oneAtATime", () => {
  it("never runs two calls at once and keeps their order, also after a failure", async () => {
    const log: string[] = [];
    let running = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const apply = oneAtATime(async (name: string) => {
      running++;
      log.push(`start ${name} (${running} running)`);
      if (name === "a") await gate;
      if (name === "b") {
        running--;
        throw new Error("b cannot be applied");
      }
      running--;
      log.push(`end ${name}`);
    });
    const a = apply("a");
    const b = apply("b");
    const c = apply("c");
    // b and c wait for a, which waits for the gate.
    await Promise.resolve();
    expect(log).toEqual(["start a (1 running)"]);
    release();
    await a;
    await expect(b).rejects.toThrow("b cannot be applied");
    await c;
    expect(log).toEqual([
      "start a (1 running)",
      "end a",
      "start b (1 running)",
      "start c (1 running)",
      "end c",
    ]);
  });
});
