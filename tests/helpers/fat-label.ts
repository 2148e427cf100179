import { execa } from "execa";

/** The volume label of a FAT image, or "" when it has none: what tests check builds against. */
export async function readFatLabel(image: string): Promise<string> {
  const { stdout } = await execa("mlabel", ["-s", "-i", image, "::"], {
    // mtools refuses images whose geometry it does not recognise; ours are plain files.
    env: { MTOOLS_SKIP_CHECK: "1" },
    timeout: 30_000,
  });
  return /Volume label is (.*)$/m.exec(stdout)?.[1]?.trim() ?? "";
}
