/** A `sh` block of docs/tutorial.md with what it must print. */
export type TutorialBlock = {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
  /**
   * `<!-- before: hosts boot -->` precedes it: the reader switches hosts on here, so the
   * test boots its VMs (and waits until they are up) before running the block.
   */
  hostsBoot: boolean;
  /** Patterns (multiline) its output must match: `<!-- expect: RE -->` after the block. */
  expect: RegExp[];
};

const HOSTS_BOOT = /^<!-- before: hosts boot -->$/;
const EXPECT = /^<!-- expect: (.*) -->$/;

/** Every ```sh block in order; other fences (kickstart text, ipxe) are not commands. */
export function tutorialBlocks(markdown: string): TutorialBlock[] {
  const lines = markdown.split("\n");
  const blocks: TutorialBlock[] = [];
  let hostsBoot = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (HOSTS_BOOT.test(line)) {
      hostsBoot = true;
      continue;
    }
    if (!line.startsWith("```")) continue;
    const lang = line.slice(3).trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? "").startsWith("```"); i++)
      body.push(lines[i] ?? "");
    if (lang !== "sh") continue;
    const expect: RegExp[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const e = EXPECT.exec(lines[j] ?? "");
      if (!e) break;
      expect.push(new RegExp(e[1] ?? "", "m"));
    }
    blocks.push({ line: start + 1, code: body.join("\n"), hostsBoot, expect });
    hostsBoot = false;
  }
  return blocks;
}
