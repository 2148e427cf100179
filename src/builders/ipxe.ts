import { constants } from "node:fs";
import { access, copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badInput } from "../domain/errors.ts";
import { parseScriptText } from "../domain/validation.ts";
import { type BuildContext, type BuildFile, builderPaths, reportProgress } from "./context.ts";

/**
 * iPXE "builds" are bundles: a stock binary from Debian trixie's ipxe package plus the
 * script, which iPXE runs at start (autoexec.ipxe beside the binary for UEFI, the HTTP URL
 * from proxy-DHCP or the initrd for BIOS). Nothing is compiled.
 */
type IpxeTarget = {
  /** File name in Debian's /usr/lib/ipxe/. */
  debianFile: string;
  /** Name the binary gets in the build output, as iPXE's own build would call it. */
  outputName: string;
};

// Debian builds its BIOS images from iPXE's bin/ (32-bit code that runs on any x86 PC), so the
// seed's bin-x86_64-pcbios names map onto them. Debian ships no ipxe.kpxe: ipxe.pxe is the same
// all-drivers iPXE, only it unloads the firmware's PXE stack instead of keeping it.
const TARGETS = {
  "bin-x86_64-efi/ipxe/efi": { debianFile: "ipxe-amd64.efi", outputName: "ipxe.efi" },
  "bin-x86_64-efi/snponly/efi": { debianFile: "snponly.efi", outputName: "snponly.efi" },
  "bin-arm64-efi/ipxe/efi": { debianFile: "ipxe-arm64.efi", outputName: "ipxe.efi" },
  "bin-x86_64-pcbios/ipxe/kpxe": { debianFile: "ipxe.pxe", outputName: "ipxe.kpxe" },
  "bin-x86_64-pcbios/ipxe/pxe": { debianFile: "ipxe.pxe", outputName: "ipxe.pxe" },
  "bin-x86_64-pcbios/undionly/kpxe": { debianFile: "undionly.kpxe", outputName: "undionly.kpxe" },
  "bin/ipxe/lkrn": { debianFile: "ipxe.lkrn", outputName: "ipxe.lkrn" },
  "bin/ipxe/pxe": { debianFile: "ipxe.pxe", outputName: "ipxe.pxe" },
  "bin/undionly/kpxe": { debianFile: "undionly.kpxe", outputName: "undionly.kpxe" },
} as const satisfies Record<string, IpxeTarget>;

export type IpxeTargetKey = keyof typeof TARGETS;
export const SUPPORTED_IPXE_TARGETS = Object.keys(TARGETS) as IpxeTargetKey[];

export const IPXE_SCRIPT_NAME = "autoexec.ipxe";

export type IpxeInput = { script: string; platform: string; driver: string; extension: string };
export type ParsedIpxeInput = {
  script: string;
  target: IpxeTargetKey;
  debianFile: string;
  outputName: string;
};

const PART = /^[a-z0-9_-]{1,40}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;

function parsePart(raw: unknown, field: string, pattern: RegExp, allowed: string): string {
  if (typeof raw !== "string") throw badInput(`${field} must be a string`);
  if (!pattern.test(raw)) {
    const shown = JSON.stringify(raw.slice(0, 60));
    throw badInput(
      `${field} ${shown} is not valid: it may contain only ${allowed} (no '/', '..', whitespace or shell characters)`,
    );
  }
  return raw;
}

function isTarget(key: string): key is IpxeTargetKey {
  return Object.hasOwn(TARGETS, key);
}

/**
 * iPXE only runs an image as a script when it starts with the `#!ipxe` magic line, so a
 * script without one gets it prepended (a leading blank line would otherwise make the
 * whole build silently fall back to iPXE's default autoboot).
 */
export function normalizeIpxeScript(script: string): string {
  const withMagic = /^#!(ipxe|gpxe)(\s|$)/.test(script) ? script : `#!ipxe\n${script}`;
  return withMagic.endsWith("\n") ? withMagic : `${withMagic}\n`;
}

/** Validates every field against an allow-list; unsupported combinations list the supported ones. */
export function parseIpxeInput(raw: IpxeInput): ParsedIpxeInput {
  const platform = parsePart(raw.platform, "platform", PART, "lowercase letters, digits, '-', '_'");
  const driver = parsePart(raw.driver, "driver", PART, "lowercase letters, digits, '-', '_'");
  const extension = parsePart(raw.extension, "extension", EXTENSION, "lowercase letters, digits");
  const key = `${platform}/${driver}/${extension}`;
  if (!isTarget(key)) {
    throw badInput(
      `unsupported iPXE platform/driver/extension ${key}; supported: ${SUPPORTED_IPXE_TARGETS.join(", ")}`,
    );
  }
  const script = normalizeIpxeScript(parseScriptText(raw.script, "script"));
  return { script, target: key, ...TARGETS[key] };
}

/** Writes the iPXE binary and autoexec.ipxe into outDir. */
export async function buildIpxe(
  input: IpxeInput,
  outDir: string,
  ctx: BuildContext,
): Promise<BuildFile[]> {
  const parsed = parseIpxeInput(input);
  reportProgress(ctx, 10);
  const source = join(builderPaths(ctx).ipxeDir, parsed.debianFile);
  try {
    await access(source, constants.R_OK);
  } catch {
    throw new Error(`iPXE binary ${source} is missing; run scripts/fetch-ipxe.sh`);
  }
  await mkdir(outDir, { recursive: true });
  const binary = join(outDir, parsed.outputName);
  await copyFile(source, binary);
  reportProgress(ctx, 60);
  const script = join(outDir, IPXE_SCRIPT_NAME);
  await writeFile(script, parsed.script);
  reportProgress(ctx, 100);
  return [
    { name: parsed.outputName, path: binary },
    { name: IPXE_SCRIPT_NAME, path: script },
  ];
}
