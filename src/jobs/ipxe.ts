import { buildIpxe, type IpxeInput, parseIpxeInput } from "../builders/ipxe.ts";
import type { BuildKindSpec } from "./build-kind.ts";

/** iPXE bundle: a stock Debian trixie binary plus the embedded script (no compiler). */
export const ipxeJob: BuildKindSpec<IpxeInput> = {
  kind: "ipxes",
  async parse(raw) {
    const input = raw as IpxeInput;
    const parsed = parseIpxeInput(input);
    return {
      script: parsed.script,
      platform: input.platform,
      driver: input.driver,
      extension: input.extension,
    };
  },
  build: (input, outDir, ctx) => buildIpxe(input, outDir, ctx),
};
