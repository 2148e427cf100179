import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { parseIp } from "../domain/network.ts";

export type RegistrationLimit = {
  /** Takes one registration from the source's budget; undefined when allowed, else seconds to wait. */
  take(remoteAddress: string | undefined): Promise<number | undefined>;
};

/**
 * Per-source budget for POST /api/localnodes: a boot storm from one LAN (or NAT address)
 * passes, a loop spoofing thousands of node addresses from one source does not. Kept in
 * memory per process: replicas each grant the budget, which bounds it all the same.
 */
export function createRegistrationLimit(perMinute: number): RegistrationLimit {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return {
    async take(remoteAddress) {
      let key = "unknown";
      try {
        key = parseIp(remoteAddress);
      } catch {
        // A socket without an address (already closed) shares one budget.
      }
      try {
        await limiter.consume(key);
        return undefined;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes)
          return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        throw refusal;
      }
    },
  };
}
