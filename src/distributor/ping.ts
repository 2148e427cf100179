import { isIP } from "node:net";
import { execa } from "execa";

/** One ICMP echo with a 2 s deadline (iputils `ping`). */
export async function pingHost(ip: string, signal?: AbortSignal): Promise<boolean> {
  if (isIP(ip) === 0) return false;
  const result = await execa(
    "ping",
    [isIP(ip) === 6 ? "-6" : "-4", "-c", "1", "-W", "2", "--", ip],
    {
      reject: false,
      timeout: 5_000,
      cancelSignal: signal,
    },
  );
  return result.exitCode === 0;
}
